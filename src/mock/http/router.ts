/** A tiny method + path-pattern router (segments, `:param` captures one). */
import type { Route } from './types.js';

interface Compiled {
  route: Route;
  segments: string[];
}

export class Router {
  private byMethod = new Map<string, Compiled[]>();

  constructor(routes: Route[]) {
    for (const r of routes) {
      const list = this.byMethod.get(r.method) ?? [];
      list.push({ route: r, segments: split(r.pattern) });
      this.byMethod.set(r.method, list);
    }
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const segs = split(path);
    for (const c of this.byMethod.get(method) ?? []) {
      if (c.segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = c.segments[i]!;
        const s = segs[i]!;
        if (p.startsWith(':')) params[p.slice(1)] = s;
        else if (p !== s) {
          ok = false;
          break;
        }
      }
      if (ok) return { route: c.route, params };
    }
    return undefined;
  }

  /** Some other method serves this path (→ 405). */
  pathExists(path: string): boolean {
    for (const m of this.byMethod.keys()) if (this.match(m, path)) return true;
    return false;
  }
}

function split(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}
