/**
 * Owner-only files: everything that holds someone's finances (the database with its -wal and -shm, uploads, backups,
 * the session secret) is readable by the user the app runs as and by nobody else on the machine.
 *
 * A mode given to mkdir or open is reduced by the process umask, and umask can only remove bits, so each helper here
 * sets the exact mode with chmod after creating; mkdir's mode also reaches only the folders it creates, never one
 * that was already there. Files made before these helpers existed are tightened once at start-up (server.ts).
 */
import { chmodSync, closeSync, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, statSync, type Stats } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Folders holding private data: the owner may list, enter and write them; group and others nothing. */
export const PRIVATE_DIR_MODE = 0o700;
/** Files holding private data: the owner may read and write them; group and others nothing. */
export const PRIVATE_FILE_MODE = 0o600;
/** The group and other permission bits, which no private folder or file may have. */
const GROUP_AND_OTHER = 0o077;
/** A folder with the sticky bit (like /tmp) is shared by design; taking others out of it would break their files. */
const STICKY = 0o1000;

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** The folders mkdir made for `dir`, from `dir` up to `firstMade` (the topmost it made), deepest first. */
function madeFolders(dir: string, firstMade: string): string[] {
  const made: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    made.push(current);
    if (current === path.resolve(firstMade) || path.dirname(current) === current) return made;
  }
}

/** Creates `dir` (and missing parents) as 0700 when it does not exist; a folder that already exists is left as it is. */
export function makePrivateDirSync(dir: string): void {
  const firstMade = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (firstMade === undefined) return;
  for (const folder of madeFolders(dir, firstMade)) chmodSync(folder, PRIVATE_DIR_MODE);
}

/** Creates `dir` (and missing parents) as 0700 when it does not exist, like makePrivateDirSync, without blocking. */
export async function makePrivateDir(dir: string): Promise<void> {
  const firstMade = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (firstMade === undefined) return;
  for (const folder of madeFolders(dir, firstMade)) await chmod(folder, PRIVATE_DIR_MODE);
}

/**
 * Creates `file` empty with mode 0600 unless something is already there, and says whether it did. SQLite opens an
 * empty file as a new database and never changes its mode, and its unix VFS gives the -wal, -shm and -journal files
 * the main file's mode, so making the file first keeps all of them owner-only (SQLite itself would create it 0644).
 */
export function createPrivateFileSync(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Sets a file this process has just written to exactly 0600, whatever the umask made of the mode it was opened with. */
export async function makeFilePrivate(file: string): Promise<void> {
  await chmod(file, PRIVATE_FILE_MODE);
}

/** Takes the group and other bits off an existing file or folder, keeping the owner's as they are; throws what chmod throws. */
export function removeGroupAndOtherAccess(target: string): void {
  const mode = statSync(target).mode & 0o7777;
  if ((mode & GROUP_AND_OTHER) !== 0) chmodSync(target, mode & ~GROUP_AND_OTHER);
}

/** Octal, as people and chmod write it: 0644. */
function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** A folder or file whose group and other bits start-up removed. */
export interface ModeChange {
  readonly path: string;
  readonly from: string;
  readonly to: string;
}

/** A folder or file that is open to group or others and could not be tightened, with why (an errno code or a reason). */
export interface ModeProblem {
  readonly path: string;
  readonly mode: string;
  readonly reason: string;
}

/** What tightenPrivateArea changed and what it had to leave open. */
export interface TighteningReport {
  readonly tightened: readonly ModeChange[];
  readonly untouched: readonly ModeProblem[];
}

/** The data folder and which of the entries directly inside it belong to the app. */
export interface PrivateArea {
  readonly folder: string;
  /** True for an entry name of ours: a file becomes 0600, a folder 0700 with everything below it. */
  readonly owns: (name: string) => boolean;
}

/**
 * Removes the group and other bits from the data folder and from the app's entries in it (only those: the folder
 * may be shared with files that are not ours, say a home folder), keeping the owner's bits as they are. It never
 * throws: whatever cannot be changed (another user's file: EPERM; a shared sticky folder like /tmp) is reported, so
 * start-up can warn and go on. Symbolic links inside the folder are not followed, so nothing outside it is changed.
 */
export function tightenPrivateArea(area: PrivateArea): TighteningReport {
  const tightened: ModeChange[] = [];
  const untouched: ModeProblem[] = [];

  const tighten = (target: string, stats: Stats): void => {
    const mode = stats.mode & 0o7777;
    if ((mode & GROUP_AND_OTHER) === 0) return;
    if (stats.isDirectory() && (mode & STICKY) !== 0) {
      untouched.push({ path: target, mode: octal(mode), reason: 'a shared folder (sticky bit): set DATABASE_PATH to a folder of your own' });
      return;
    }
    const next = mode & ~GROUP_AND_OTHER;
    try {
      chmodSync(target, next);
      tightened.push({ path: target, from: octal(mode), to: octal(next) });
    } catch (err) {
      untouched.push({ path: target, mode: octal(mode), reason: errorCode(err) ?? String(err) });
    }
  };

  /** Tightens the entries of `folder` that `owns` accepts, and everything below the folders among them. */
  const tightenEntries = (folder: string, owns: (name: string) => boolean): void => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch (err) {
      untouched.push({ path: folder, mode: '?', reason: `cannot list it (${errorCode(err) ?? String(err)})` });
      return;
    }
    for (const name of names.filter(owns).sort()) {
      const target = path.join(folder, name);
      // lstat: a link is left alone, since chmod would change whatever it points at, possibly outside the data folder.
      const stats = statOrUndefined(target, lstatSync, untouched);
      if (stats?.isFile()) tighten(target, stats);
      if (stats?.isDirectory()) {
        tighten(target, stats);
        tightenEntries(target, () => true);
      }
    }
  };

  // The folder itself is followed if it is a link: the data lives wherever it points.
  const folderStats = statOrUndefined(area.folder, statSync, untouched);
  if (!folderStats?.isDirectory()) return { tightened, untouched };
  // Made owner-only only when it holds nothing but ours: DATABASE_PATH=/srv/ledgerly.sqlite must not shut every
  // other service out of /srv. A shared folder is reported instead; our own files in it are still tightened.
  const others = listOrUndefined(area.folder)?.filter((name) => !area.owns(name)) ?? [];
  if (others.length === 0) tighten(area.folder, folderStats);
  else if ((folderStats.mode & GROUP_AND_OTHER) !== 0) {
    untouched.push({
      path: area.folder,
      mode: octal(folderStats.mode & 0o7777),
      reason: `it holds other files too (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}): set DATABASE_PATH to a folder of Ledgerly's own`,
    });
  }
  tightenEntries(area.folder, area.owns);
  return { tightened, untouched };
}

/** The names in a folder, or undefined when it cannot be listed (tightenEntries reports that). */
function listOrUndefined(folder: string): string[] | undefined {
  try {
    return readdirSync(folder);
  } catch {
    return undefined;
  }
}

/** Stats of `target`, or undefined; a failure other than "not there" (a file can vanish after listing) is reported. */
function statOrUndefined(target: string, stat: (p: string) => Stats, untouched: ModeProblem[]): Stats | undefined {
  try {
    return stat(target);
  } catch (err) {
    const code = errorCode(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') untouched.push({ path: target, mode: '?', reason: code ?? String(err) });
    return undefined;
  }
}
