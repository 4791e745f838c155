import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository's root: the nearest folder above `start` that holds Ledgerly's package.json. Tests find it this
 * way whether they run from test/ through tsx or compiled under node_modules/.cache (test/compile.ts).
 */
export function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'ledgerly') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Ledgerly package.json above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(import.meta.dirname);
