/**
 * A fast path for the YAML that DR specs are written in: block mappings and sequences, single-line
 * flow mappings and sequences, single-line plain and quoted scalars, comments. It builds the same
 * value the `yaml` package's parseDocument(...).toJS() builds (YAML 1.2 core schema), in one linear
 * pass and without a syntax tree — `yaml` spends ~1 s of CPU on a 5,000-VM spec, this ~30 ms.
 *
 * It is only a fast path: on anything outside the subset (anchors, aliases, tags, block scalars,
 * multi-line scalars or flow collections, document markers, directives, tabs, CR, escapes in
 * double quotes, duplicate or non-string keys, odd indentation, ...) it returns undefined and the
 * caller parses with `yaml`. The caller also re-parses with `yaml` whenever the value has any
 * problem, so every diagnostic (code, message, line:col) comes from the one full path. A test
 * compares the two parsers on every spec in the repository and on thousands of mutations of them.
 */

/** Returned when the text is outside the subset: parse it with `yaml` instead. */
class Bail extends Error {}
const bail = (): never => {
  throw new Bail();
};

/** Characters the subset never accepts anywhere (control characters, CR, BOM, Unicode line separators, tabs). */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

// YAML 1.2 core schema, in the order the `yaml` package tests plain scalars (yaml/dist/schema/core).
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT_RE = /^0o[0-7]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const INT_HEX_RE = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const NULL_BOOL_WORD = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
/** A plain scalar that can only be a string (the common case): no schema test can match it. */
const PLAIN_STRING_FAST = /^[A-Za-z_/][^\s]*$/;

/** The value of a plain scalar under the core schema (as yaml's composeScalar + tag.resolve). */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Starting with a letter, '/' or '_' and without spaces: a string unless spelled null/true/false.
  if (PLAIN_STRING_FAST.test(s)) {
    // n N t T f F
    if (c !== 0x6e && c !== 0x4e && c !== 0x74 && c !== 0x54 && c !== 0x66 && c !== 0x46) return s;
    if (!NULL_BOOL_WORD.test(s)) return s;
  }
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return c === 0x74 /* t */ || c === 0x54; /* T */
  if (INT_OCT_RE.test(s)) return parseInt(s.substring(2), 8);
  if (INT_RE.test(s)) return parseInt(s, 10);
  if (INT_HEX_RE.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN_RE.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP_RE.test(s)) return parseFloat(s);
  if (FLOAT_RE.test(s)) return parseFloat(s);
  return s;
}

interface Line {
  /** Column of the first character of `text` (0-based). */
  indent: number;
  /** The line from its first non-space character, trailing spaces kept. */
  text: string;
}

/** Characters that may not start a plain scalar here (YAML's c-indicator, minus the cases handled). */
const PLAIN_START_BAD = new Set([...'-?:,[]{}#&*!|>\'"%@`']);
const FLOW_INDICATORS = new Set([...',[]{}']);

function isSeqItem(text: string): boolean {
  return text.charCodeAt(0) === 0x2d /* - */ && (text.length === 1 || text.charCodeAt(1) === 0x20);
}

/** After position i only spaces and (after a space) a comment remain. */
function restIsEmpty(text: string, i: number): boolean {
  let sawSpace = i === 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20) sawSpace = true;
    else if (c === 0x23 /* # */ && sawSpace) return true;
    else return false;
  }
  return true;
}

/** A plain scalar may start with '-' only when a non-space follows (e.g. -1); never with other indicators. */
function plainStartOk(text: string, i: number): boolean {
  const ch = text[i]!;
  if (ch === '-') {
    const n = text[i + 1];
    return n !== undefined && n !== ' ' && !FLOW_INDICATORS.has(n);
  }
  return !PLAIN_START_BAD.has(ch);
}

/**
 * Where the last quoted(), flowPlain() or flow() ended (one past its last character). The scanners
 * return their value and leave their end here instead of allocating a [value, end] pair per scalar.
 */
let end = 0;

/** A quoted scalar starting at text[i]; its end goes to `end`. Single line only. */
function quoted(text: string, i: number): string {
  const q = text[i];
  if (q === "'") {
    let out = '';
    let j = i + 1;
    for (;;) {
      const k = text.indexOf("'", j);
      if (k < 0) return bail();
      out += text.slice(j, k);
      if (text[k + 1] === "'") {
        out += "'";
        j = k + 2;
        continue;
      }
      end = k + 1;
      return out;
    }
  }
  const k = text.indexOf('"', i + 1);
  if (k < 0) return bail();
  const s = text.slice(i + 1, k);
  if (s.includes('\\')) return bail();
  end = k + 1;
  return s;
}

/**
 * The scans use regular expressions and indexOf rather than loops over characters: a CLI run parses
 * the spec once, before the JIT has warmed up, and the regex engine is fast from the first call.
 */
const KEY_STOP = /:(?: |$)| #|[,[\]{}]/g;
const BLOCK_PLAIN_STOP = / #|:(?: |$)|[[\]{}]/g;
/**
 * A plain scalar inside a flow collection: no flow indicators, no '#' at all, ':' only when a
 * non-space, non-indicator follows (as in a URL); may start with '-' only when such a character
 * follows. Trailing spaces are matched (and trimmed by the caller).
 */
const FLOW_PLAIN = /(?:[^\s,[\]{}#:'"!&*|>%@`?-]|-(?=[^\s,[\]{}#:]))(?:[^,[\]{}#:]|:(?=[^\s,[\]{}#]))*/y;

/** A key at the start of `text` followed by ':' and a space or the end: [key, index after ':'], or undefined. */
function mapKey(text: string): [string, number] | undefined {
  let key: string;
  let j: number;
  const c = text[0];
  if (c === '"' || c === "'") {
    key = quoted(text, 0);
    j = end;
    if (text[j] !== ':') return undefined;
    if (j + 1 < text.length && text[j + 1] !== ' ') return bail();
  } else {
    if (!plainStartOk(text, 0)) return undefined;
    // The first ': ' (or ':' at the end) ends the key; a comment or a flow indicator first means it is
    // not a key here (legal YAML in places, but rare in specs: the full parser).
    KEY_STOP.lastIndex = 0;
    const m = KEY_STOP.exec(text);
    if (!m || m[0][0] !== ':') return undefined;
    const k = m.index;
    if (k < 0) return undefined;
    const raw = text.slice(0, k);
    if (raw.trimEnd() !== raw || raw === '') return bail();
    // Keys are strings in a DR spec; a key the core schema would type (1, true, null) goes the slow way.
    if (resolvePlain(raw) !== raw) return bail();
    key = raw;
    j = k;
  }
  if (key === '__proto__' || key === '<<') return bail();
  return [key, j + 1];
}

class FastParser {
  private cur = 0;

  constructor(private readonly lines: Line[]) {}

  parse(): Record<string, unknown> {
    if (this.lines.length === 0) return bail();
    const first = this.lines[0]!;
    if (first.indent !== 0 || isSeqItem(first.text)) return bail();
    const value = this.map(0);
    if (this.cur !== this.lines.length) return bail();
    return value;
  }

  /** A node in block context whose first line is the current one (indented more than its parent). */
  private block(): unknown {
    const line = this.lines[this.cur]!;
    return isSeqItem(line.text) ? this.seq(line.indent) : this.map(line.indent);
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.cur < this.lines.length) {
      const line = this.lines[this.cur]!;
      if (line.indent < indent) break;
      if (line.indent > indent || isSeqItem(line.text)) return bail();
      const k = mapKey(line.text);
      if (!k) return bail();
      const [key, after] = k;
      if (Object.hasOwn(out, key)) return bail();
      let value: unknown;
      if (restIsEmpty(line.text, after)) {
        this.cur++;
        const next = this.lines[this.cur];
        if (next && next.indent > indent) value = this.block();
        else if (next && next.indent === indent && isSeqItem(next.text)) value = this.seq(indent);
        else value = null;
      } else {
        value = this.inline(line.text, after);
        this.cur++;
        this.noContinuation(indent);
      }
      out[key] = value;
    }
    return out;
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.cur < this.lines.length) {
      const line = this.lines[this.cur]!;
      if (line.indent < indent) break;
      if (line.indent > indent) return bail();
      if (!isSeqItem(line.text)) break;
      const text = line.text;
      if (restIsEmpty(text, 1)) {
        this.cur++;
        const next = this.lines[this.cur];
        out.push(next && next.indent > indent ? this.block() : null);
        continue;
      }
      let s = 1;
      while (text.charCodeAt(s) === 0x20) s++;
      const rest = text.slice(s);
      if (isSeqItem(rest)) return bail();
      const c = rest[0];
      if (c !== '{' && c !== '[' && mapKey(rest)) {
        // `- key: value` opens a mapping whose keys sit at the column of `key`.
        this.lines[this.cur] = { indent: line.indent + s, text: rest };
        out.push(this.map(line.indent + s));
      } else {
        out.push(this.inline(rest, 0));
        this.cur++;
        this.noContinuation(indent);
      }
    }
    return out;
  }

  /** A value written after `key:` or `- ` takes its line; a more-indented next line would continue it. */
  private noContinuation(indent: number): void {
    const next = this.lines[this.cur];
    if (next && next.indent > indent) bail();
  }

  /** The value starting in text at i (after spaces), which must end the line (a comment may follow). */
  private inline(text: string, i: number): unknown {
    while (text.charCodeAt(i) === 0x20) i++;
    const c = text[i]!;
    let value: unknown;
    if (c === '{' || c === '[') value = flow(text, i);
    else if (c === '"' || c === "'") value = quoted(text, i);
    else {
      if (!plainStartOk(text, i)) return bail();
      BLOCK_PLAIN_STOP.lastIndex = i;
      const m = BLOCK_PLAIN_STOP.exec(text);
      // A comment ends the scalar; ': ' inside it, or brackets (legal but rare), go to the full parser.
      if (m && m[0] !== ' #') return bail();
      const j = m ? m.index : text.length;
      return resolvePlain(trimSpaces(text.slice(i, j)));
    }
    if (!restIsEmpty(text, end)) return bail();
    return value;
  }
}

/** YAML trims spaces (and tabs, which the subset refuses), not every Unicode space as trimEnd() does. */
function trimSpaces(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 0x20) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** A plain scalar in a flow collection at text[j]; its end (trailing spaces included) goes to `end`. */
function flowPlain(text: string, j: number): string {
  FLOW_PLAIN.lastIndex = j;
  const m = FLOW_PLAIN.exec(text);
  if (!m) return bail();
  end = j + m[0].length;
  return trimSpaces(m[0]);
}

/** A flow collection starting at text[i] and closed on the same line; its end goes to `end`. */
function flow(text: string, i: number): unknown {
  const isMap = text.charCodeAt(i) === 0x7b; /* { */
  const close = isMap ? '}' : ']';
  const out: Record<string, unknown> | unknown[] = isMap ? {} : [];
  let j = i + 1;
  while (text.charCodeAt(j) === 0x20) j++;
  if (text[j] === close) {
    end = j + 1;
    return out;
  }
  for (;;) {
    while (text.charCodeAt(j) === 0x20) j++;
    let key: string | undefined;
    if (isMap) {
      const c = text[j];
      if (c === '"' || c === "'") key = quoted(text, j);
      else {
        key = flowPlain(text, j);
        if (key === '' || resolvePlain(key) !== key) return bail();
      }
      j = end;
      if (text.charCodeAt(j) !== 0x3a || text.charCodeAt(j + 1) !== 0x20) return bail();
      if (key === '__proto__' || key === '<<' || Object.hasOwn(out, key)) return bail();
      j += 2;
      while (text.charCodeAt(j) === 0x20) j++;
    }
    const c = text[j];
    let value: unknown;
    if (c === '{' || c === '[') value = flow(text, j);
    else if (c === '"' || c === "'") value = quoted(text, j);
    else value = resolvePlain(flowPlain(text, j));
    j = end;
    if (isMap) (out as Record<string, unknown>)[key!] = value;
    else (out as unknown[]).push(value);
    while (text.charCodeAt(j) === 0x20) j++;
    const n = text[j];
    if (n === ',') {
      j++;
      while (text.charCodeAt(j) === 0x20) j++;
      if (text[j] === close || text[j] === ',') return bail();
      continue;
    }
    if (n === close) {
      end = j + 1;
      return out;
    }
    return bail();
  }
}

/**
 * The value of `text` when it is a block mapping written in the fast path's subset, else undefined.
 * Never throws.
 */
export function fastParseYaml(text: string): Record<string, unknown> | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  const lines: Line[] = [];
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    let i = start;
    while (i < end && text.charCodeAt(i) === 0x20) i++;
    if (i < end && text.charCodeAt(i) !== 0x23 /* # */) {
      const indent = i - start;
      const body = text.slice(i, end);
      // Directives and document markers: the full parser.
      if (indent === 0 && (body[0] === '%' || /^(?:---|\.\.\.)(?: |$)/.test(body))) return undefined;
      lines.push({ indent, text: body });
    }
    start = end + 1;
  }
  try {
    return new FastParser(lines).parse();
  } catch (err) {
    if (err instanceof Bail) return undefined;
    return undefined;
  }
}
