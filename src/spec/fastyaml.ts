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
/** A plain scalar that can only be a string (the common case): no schema test can match it. */
const PLAIN_STRING_FAST = /^[A-Za-z_/][^\s]*$/;

/** The value of a plain scalar under the core schema (as yaml's composeScalar + tag.resolve). */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Letters other than the null/bool/nan spellings, and '/' or '_': always strings.
  if (PLAIN_STRING_FAST.test(s) && !/^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s)) return s;
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

/** A quoted scalar starting at text[i]; returns [value, index after the closing quote]. Single line only. */
function quoted(text: string, i: number): [string, number] {
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
      return [out, k + 1];
    }
  }
  const k = text.indexOf('"', i + 1);
  if (k < 0) return bail();
  const s = text.slice(i + 1, k);
  if (s.includes('\\')) return bail();
  return [s, k + 1];
}

/** A key at the start of `text` followed by ':' and a space or the end: [key, index after ':'], or undefined. */
function mapKey(text: string): [string, number] | undefined {
  let key: string;
  let j: number;
  const c = text[0];
  if (c === '"' || c === "'") {
    [key, j] = quoted(text, 0);
    if (text[j] !== ':') return undefined;
    if (j + 1 < text.length && text[j + 1] !== ' ') return bail();
  } else {
    if (!plainStartOk(text, 0)) return undefined;
    let k = -1;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 0x3a /* : */ && (i + 1 === text.length || text.charCodeAt(i + 1) === 0x20)) {
        k = i;
        break;
      }
      if (ch === 0x23 /* # */ && text.charCodeAt(i - 1) === 0x20) return undefined;
      // Flow indicators in a block key are legal but rare: the full parser.
      if (ch === 0x2c || ch === 0x5b || ch === 0x5d || ch === 0x7b || ch === 0x7d) return undefined;
    }
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
    let end: number;
    if (c === '{' || c === '[') [value, end] = flow(text, i);
    else if (c === '"' || c === "'") [value, end] = quoted(text, i);
    else {
      if (!plainStartOk(text, i)) return bail();
      let j = i;
      for (; j < text.length; j++) {
        const ch = text.charCodeAt(j);
        if (ch === 0x23 /* # */ && text.charCodeAt(j - 1) === 0x20) break;
        if (ch === 0x3a /* : */ && (j + 1 === text.length || text.charCodeAt(j + 1) === 0x20)) return bail();
        // Legal in block plain scalars, but rare in specs: leave them to the full parser.
        if (ch === 0x5b || ch === 0x5d || ch === 0x7b || ch === 0x7d) return bail();
      }
      return resolvePlain(text.slice(i, j).trimEnd());
    }
    if (!restIsEmpty(text, end)) return bail();
    return value;
  }
}

/** A flow collection starting at text[i] and closed on the same line: [value, index after it]. */
function flow(text: string, i: number): [unknown, number] {
  const open = text[i];
  const isMap = open === '{';
  const close = isMap ? '}' : ']';
  const out: Record<string, unknown> | unknown[] = isMap ? {} : [];
  let j = i + 1;
  const skip = () => {
    while (text.charCodeAt(j) === 0x20) j++;
  };
  skip();
  if (text[j] === close) return [out, j + 1];
  for (;;) {
    skip();
    let key: string | undefined;
    if (isMap) {
      const c = text[j];
      if (c === '"' || c === "'") [key, j] = quoted(text, j);
      else {
        if (c === undefined || !plainStartOk(text, j)) return bail();
        const s = j;
        while (j < text.length && !(text[j] === ':' && text[j + 1] === ' ') && !FLOW_INDICATORS.has(text[j]!)) {
          if (text[j] === ':' && (j + 1 === text.length || FLOW_INDICATORS.has(text[j + 1]!))) return bail();
          if (text[j] === '#' && text[j - 1] === ' ') return bail();
          j++;
        }
        key = text.slice(s, j).trimEnd();
        if (key === '' || resolvePlain(key) !== key) return bail();
      }
      if (text[j] !== ':' || text[j + 1] !== ' ') return bail();
      if (key === '__proto__' || key === '<<' || Object.hasOwn(out, key)) return bail();
      j += 2;
      skip();
    }
    const c = text[j];
    let value: unknown;
    if (c === '{' || c === '[') [value, j] = flow(text, j);
    else if (c === '"' || c === "'") [value, j] = quoted(text, j);
    else {
      if (c === undefined || !plainStartOk(text, j)) return bail();
      const s = j;
      while (j < text.length && !FLOW_INDICATORS.has(text[j]!)) {
        if (text[j] === ':' && (j + 1 === text.length || text[j + 1] === ' ' || FLOW_INDICATORS.has(text[j + 1]!))) return bail();
        if (text[j] === '#' && text[j - 1] === ' ') return bail();
        j++;
      }
      value = resolvePlain(text.slice(s, j).trimEnd());
    }
    if (isMap) (out as Record<string, unknown>)[key!] = value;
    else (out as unknown[]).push(value);
    skip();
    if (text[j] === ',') {
      j++;
      skip();
      if (text[j] === close || text[j] === ',') return bail();
      continue;
    }
    if (text[j] === close) return [out, j + 1];
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
