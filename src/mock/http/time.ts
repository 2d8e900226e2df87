/** Time formats the real services use, from simulated ms. */

/** Nova `created`/`updated`: 2013-09-03T04:01:32Z */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Cinder / Nova usage times: 2013-09-03T04:01:32.000000 (no zone). */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

/** Keystone: 2013-09-03T04:01:32.000000Z */
export function isoMicrosZ(ms: number): string {
  return `${isoMicros(ms)}Z`;
}

/** Neutron: 2013-09-03T04:01:32Z */
export const isoNeutron = isoSeconds;

/** Ceph `last_update`: "%Y-%m-%d %H:%M:%S" (local time without a zone on a real host; UTC here). */
export function cephTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses 90s, 5m, 2h, 1d, 250ms, or plain seconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return Math.round(n * mult);
}
