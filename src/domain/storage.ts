/** Why the server could not write: its disk (or quota) is full, or its data folder or database is not writable. */
export type StorageProblem = 'full' | 'read-only';

const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const READ_ONLY_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * A write the machine refused: SQLite's "database or disk is full" or "attempt to write a readonly database", or a
 * file write's ENOSPC, EACCES or EROFS. SQLite rolled the statement or transaction back whole, and a file written
 * half is removed where it is written, so nothing was changed: a 503 that names the storage, for the person to pass
 * on to the server's owner, not "something went wrong".
 */
export function storageProblemOf(err: unknown): StorageProblem | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  if (typeof code !== 'string') return undefined;
  if (FULL_CODES.has(code)) return 'full';
  if (READ_ONLY_CODES.has(code) || code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) return 'read-only';
  return undefined;
}
