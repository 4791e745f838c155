import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';

/** Where the files behind each URL prefix of a stylesheet or script live, the longest prefix first. */
export type AssetFolders = readonly (readonly [urlPrefix: string, folder: string])[];

/** A year: what a URL naming its file's content may be kept for, since the next version has another URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Stylesheet and script URLs that change when their file does. With `versioned`, `asset('/css/app.css')` is
 * `/css/app.css?v=` and the first 12 characters of the file's SHA-256 (read once, on first use), and such a request
 * may be kept a year; without a version, or in development, where files change under a running server, a browser
 * asks again each time (an ETag makes that a 304). Before, they were kept a day under URLs that never changed, so
 * for a day after an upgrade browsers paired the new pages with the old stylesheet and scripts.
 */
export function createAssets(options: { versioned: boolean; folders: AssetFolders }) {
  const versions = new Map<string, string>();
  const fileOf = (url: string): string | undefined => {
    const found = options.folders.find(([prefix]) => url.startsWith(`${prefix}/`));
    if (!found) return undefined;
    const file = path.join(found[1], url.slice(found[0].length + 1));
    // Only a name inside the folder, as the static handler would serve it.
    return file.startsWith(`${found[1]}${path.sep}`) ? file : undefined;
  };
  const versionOf = (url: string): string | undefined => {
    if (versions.has(url)) return versions.get(url);
    const file = fileOf(url);
    let version: string | undefined;
    try {
      version = file === undefined ? undefined : createHash('sha256').update(readFileSync(file)).digest('base64url').slice(0, 12);
    } catch {
      version = undefined;
    }
    if (version !== undefined) versions.set(url, version);
    return version;
  };
  return {
    /** The URL a page links a stylesheet or script by. */
    url(href: string): string {
      if (!options.versioned) return href;
      const version = versionOf(href);
      return version === undefined ? href : `${href}?v=${version}`;
    },
    /** Sets the static handler's Cache-Control by whether the request names the file's current version. */
    cacheHeaders(): RequestHandler {
      return (req, res, next) => {
        const asked = typeof req.query.v === 'string' ? req.query.v : undefined;
        const url = `${req.baseUrl}${req.path}`;
        res.locals.assetCache = options.versioned && asked !== undefined && asked === versionOf(url) ? IMMUTABLE : 'no-cache';
        next();
      };
    },
  };
}

export type Assets = ReturnType<typeof createAssets>;

/** serve-static's setHeaders: the Cache-Control chosen above (it runs before serve-static would set its own). */
export function assetCacheControl(res: { locals: Record<string, unknown>; setHeader(name: string, value: string): unknown }): void {
  res.setHeader('Cache-Control', typeof res.locals.assetCache === 'string' ? res.locals.assetCache : 'no-cache');
}
