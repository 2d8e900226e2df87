/** Escaping for text and attribute values in the report's HTML and inline SVG. */
import { scrubString } from '../state/scrub.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes &, <, >, " and ' (safe in text and in quoted attributes), after scrubbing secret-looking text. */
export function esc(value: unknown): string {
  const s = scrubString(String(value ?? ''));
  // Control characters other than tab/newline have no business in a report (and are invalid in XML/SVG).
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
