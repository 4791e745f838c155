/**
 * `npm run restore -- <file>`: puts a backup back as the database at DATABASE_PATH (and .env), like the server.
 * Stop the server first: the restore refuses while the database is in use. The backup must be a healthy
 * Ledgerly database no newer than this code; the replaced database is kept beside it, never deleted.
 * Exit codes: 0 done, 1 refused or failed (one line on stderr saying why), 2 usage.
 */
import 'dotenv/config';
import path from 'node:path';
import { systemClock } from '../clock.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { BackupError, restoreDatabase } from '../db/backup.ts';
import { storedCurrencyOfFile } from '../db/instance-settings.ts';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    console.error('Usage: npm run restore -- <backup-file>   (stop the server first; replaces the database at DATABASE_PATH)');
    return 2;
  }
  const source = path.resolve(process.env.INIT_CWD ?? process.cwd(), args[0]!);
  const config = loadConfig(process.env);
  const result = await restoreDatabase(source, config.databasePath, new Date(systemClock.now()));
  const kept = result.previousKeptAt ? ` The previous database was kept as ${result.previousKeptAt}.` : '';
  const signIns = result.endedSessions > 0 ? ` ${result.endedSessions} sign-in(s) from the backup were ended: everyone signs in again.` : '';
  const tokens = result.endedApiTokens > 0 ? ` ${result.endedApiTokens} API token(s) from the backup were ended: each script needs a new one.` : '';
  console.log(`Restored ${source} to ${result.file} (schema version ${result.backupSchemaVersion === result.schemaVersion ? result.schemaVersion : `${result.backupSchemaVersion}, upgraded to ${result.schemaVersion}`}, integrity ok).${kept}${signIns}${tokens}`);
  // The people a restore brings back or takes away are the owner's to know: someone who deleted their account
  // since the backup (and may have asked to be forgotten) is back; someone who registered since is gone.
  const listed = (emails: readonly string[]) => (emails.length > 10 ? `${emails.slice(0, 10).join(', ')} and ${emails.length - 10} more` : emails.join(', '));
  if (result.people && result.people.back.length > 0) {
    console.log(`${result.people.back.length} account(s) in the backup had been deleted since, and are back: ${listed(result.people.back)}. Anyone who asked to be forgotten: npm run admin -- delete-user EMAIL.`);
  }
  if (result.people && result.people.gone.length > 0) {
    console.log(`${result.people.gone.length} account(s) made since the backup are not in it, and are gone: ${listed(result.people.gone)}. Their data is in the kept file.`);
  }
  // A backup keeps the currency its amounts are in; the server starts only with that CURRENCY (or after set-currency).
  const currency = storedCurrencyOfFile(result.file);
  if (currency !== undefined && currency !== config.currency) {
    console.log(`The backup's amounts are in ${currency}, but CURRENCY is ${config.currency}: start the server with CURRENCY=${currency} (or, to change the currency without converting the amounts, npm run admin -- set-currency ${config.currency}).`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof BackupError || err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    console.error(`Restore refused: ${message.replace(/\s*\n\s*/g, '; ')}`);
    process.exit(1);
  },
);
