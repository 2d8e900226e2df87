/** Small, pure formatting helpers shared by the planner and the renderers. */

/** 432 → "7m12s", 42 → "42s", 3780 → "1h03m", 0 → "0s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r === 0 ? `${m}m` : `${m}m${String(r).padStart(2, '0')}s`;
  }
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m === 0 ? `${h}h` : `${h}h${String(m).padStart(2, '0')}m`;
  }
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  return h === 0 ? `${d}d` : `${d}d${h}h`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Seconds between two instants (b − a), never negative. */
export function secondsBetween(a: string | Date, b: string | Date): number {
  const ta = typeof a === 'string' ? Date.parse(a) : a.getTime();
  const tb = typeof b === 'string' ? Date.parse(b) : b.getTime();
  if (Number.isNaN(ta) || Number.isNaN(tb)) return 0;
  return Math.max(0, Math.round((tb - ta) / 1000));
}

/** "2024-06-01T12:00:00.000Z" → "op-20240601T120000Z-1": the default, deterministic id generator. */
export function defaultIdGenerator(now: Date): () => string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let n = 0;
  return () => `op-${stamp}-${++n}`;
}
