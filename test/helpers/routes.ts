import type { Express } from 'express';

/** One route the app answers, as found in its router stack. */
export interface RouteInfo {
  readonly method: string;
  readonly path: string;
}

interface LayerLike {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: unknown;
}

function joinPaths(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  return joined.length > 1 ? joined.replace(/\/$/, '') : '/';
}

function walk(stack: LayerLike[], prefix: string, out: RouteInfo[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = ([] as unknown[]).concat(layer.route.path);
      for (const path of paths) {
        if (typeof path !== 'string') throw new Error(`route with a non-string path under ${prefix}: tests cannot enumerate it`);
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: joinPaths(prefix, path) });
        }
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      const mounts = ([] as unknown[]).concat(layer.rawPath ?? '/');
      for (const mount of mounts) {
        if (typeof mount !== 'string') throw new Error('router mounted on a non-string path: tests cannot enumerate it');
        walk(layer.handle.stack, joinPaths(prefix, mount), out);
      }
    }
  }
}

/** Every method + path registered on the app, read from Express 5's router stack (nested routers included). */
export function listRoutes(app: Express): RouteInfo[] {
  const router = (app as unknown as { router: { stack: LayerLike[] } }).router;
  const out: RouteInfo[] = [];
  walk(router.stack, '/', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Params that name a span of the signed-in person's own data rather than an object (`/budgets/:month`): there is no
 * "another user's month", so the IDOR suite checks those routes by what they show and change instead.
 */
export const SCOPE_PARAMS: ReadonlySet<string> = new Set(['month']);

/** The names of the :params in an Express path that name an object (an id), not a scope. */
export function objectParamNames(path: string): string[] {
  return paramNames(path).filter((name) => !SCOPE_PARAMS.has(name));
}

/** The names of the :params in an Express path. */
export function paramNames(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

/** Fills :params from a map; throws on a param the map lacks, so an unknown route shape fails loudly. */
export function fillPath(path: string, values: Record<string, string | number>): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(String(value));
  });
}
