/**
 * `npm run backup -- <file>`: a consistent copy of the live database, taken while the server keeps running
 * (SQLite's online backup API). Reads DATABASE_PATH (and .env) like the server. Never overwrites a file.
 * Exit codes: 0 done, 1 failed (one line on stderr saying why), 2 usage.
 */
import 'dotenv/config';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config.ts';
import { backupDatabase, BackupError } from '../db/backup.ts';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    console.error('Usage: npm run backup -- <backup-file>   (copies the database at DATABASE_PATH, default ./data/finance.sqlite)');
    return 2;
  }
  // npm runs scripts from the package folder; a relative name means relative to where the person typed it.
  const dest = path.resolve(process.env.INIT_CWD ?? process.cwd(), args[0]!);
  const config = loadConfig(process.env);
  const facts = await backupDatabase(config.databasePath, dest);
  console.log(
    `Backed up ${config.databasePath} to ${facts.file} (schema version ${facts.schemaVersion}, ${Math.ceil(facts.bytes / 1024)} KiB, integrity ok).`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof BackupError || err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    console.error(`Backup failed: ${message.replace(/\s*\n\s*/g, '; ')}`);
    process.exit(1);
  },
);
