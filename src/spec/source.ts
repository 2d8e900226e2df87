/**
 * Maps a path in the parsed value (ajv's instancePath, or a rule's path) back to the YAML source:
 * line and column of the value, or of its key. A path that does not exist in the source (a missing
 * key) resolves to its nearest existing ancestor, which is where the user has to add it.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export type PathSeg = string | number;
export interface Pos {
  line: number;
  col: number;
}

/** `/groups/a~1b/members/0` → ['groups', 'a/b', 'members', '0'] (JSON pointer unescaping). */
export function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Human form of a path: groups.prod-web-app.members[2].tier */
export function dotted(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? 'the spec' : out;
}

function keyString(p: Pair): string {
  const k = p.key;
  if (isScalar(k)) return String(k.value);
  return String(k);
}

interface Found {
  node: Node | null;
  keyNode: Node | null;
  /** Number of path segments resolved. */
  depth: number;
  /** Last node that existed on the way (for fallbacks). */
  last: Node | null;
}

export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
  ) {}

  private find(path: readonly PathSeg[]): Found {
    let node = (this.doc.contents as Node | null) ?? null;
    let keyNode: Node | null = null;
    let last: Node | null = node;
    let depth = 0;
    for (const seg of path) {
      if (node && isAlias(node)) node = (node.resolve(this.doc) as Node | undefined) ?? null;
      if (!node) break;
      let next: Node | null | undefined;
      let nextKey: Node | null = null;
      if (isMap(node)) {
        const want = String(seg);
        // Duplicate keys are reported separately; the value used is the last one, as in toJS().
        const pair = [...node.items].reverse().find((p) => keyString(p) === want);
        if (!pair) break;
        next = (pair.value as Node | null) ?? null;
        nextKey = (pair.key as Node | null) ?? null;
        if (next === null) {
          // `key:` with no value: the key is the best place to point at.
          depth++;
          node = null;
          keyNode = nextKey;
          last = nextKey ?? last;
          break;
        }
      } else if (isSeq(node)) {
        const i = typeof seg === 'number' ? seg : Number(seg);
        if (!Number.isInteger(i)) break;
        next = node.items[i] as Node | undefined;
        if (next === undefined) break;
      } else {
        break;
      }
      node = next ?? null;
      keyNode = nextKey;
      last = node ?? last;
      depth++;
    }
    return { node: depth === path.length ? node : null, keyNode: depth === path.length ? keyNode : null, depth, last };
  }

  private posOf(node: Node | null | undefined): Pos | undefined {
    const r = node?.range;
    if (!r) return undefined;
    return this.lc.linePos(r[0]);
  }

  /** Where the value at `path` starts (or the nearest existing ancestor). */
  valuePos(path: readonly PathSeg[]): Pos {
    const f = this.find(path);
    return this.posOf(f.node) ?? this.posOf(f.keyNode) ?? this.posOf(f.last) ?? { line: 1, col: 1 };
  }

  /** Where the key of the last segment of `path` starts (or the value, for sequence items). */
  keyPos(path: readonly PathSeg[]): Pos {
    const f = this.find(path);
    return this.posOf(f.keyNode) ?? this.posOf(f.node) ?? this.posOf(f.last) ?? { line: 1, col: 1 };
  }
}
