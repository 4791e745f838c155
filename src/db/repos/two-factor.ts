import type { Db } from '../open.ts';

/** A person's TOTP key and the last time step accepted, when two-factor sign-in is on. */
export interface TotpState {
  readonly secret: string;
  readonly enabledAt: number;
  readonly lastStep: number | null;
}

/** Prepared statements on the two-factor columns of users and on recovery_codes; every one names the user. */
export function createTwoFactorRepo(db: Db) {
  const state = db.prepare<[number], { secret: string | null; enabled_at: number | null; last_step: number | null }>(
    'SELECT totp_secret AS secret, totp_enabled_at AS enabled_at, totp_last_step AS last_step FROM users WHERE id = ?',
  );
  const enable = db.prepare<[string, number, number]>('UPDATE users SET totp_secret = ?, totp_enabled_at = ?, totp_last_step = NULL WHERE id = ?');
  const disable = db.prepare<[number]>('UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = ?');
  // Moves the last step forward only: the same or an older step (a replayed code) changes nothing.
  const useStep = db.prepare<[number, number, number]>(
    'UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < ?)',
  );
  const removeCodes = db.prepare<[number]>('DELETE FROM recovery_codes WHERE user_id = ?');
  const insertCode = db.prepare<[number, string]>('INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)');
  const useCode = db.prepare<[number, number, string]>('UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL');
  const codesLeft = db.prepare<[number], number>('SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL').pluck();
  const spentCode = db.prepare<[number, string], number>('SELECT 1 FROM recovery_codes WHERE user_id = ? AND code_hash = ? AND used_at IS NOT NULL').pluck();
  const enabledCount = db.prepare<[], { id: number }>('SELECT id FROM users WHERE totp_enabled_at IS NOT NULL');

  return {
    /** The person's TOTP state, or undefined when two-factor sign-in is off (or there is no such person). */
    findTotp(userId: number): TotpState | undefined {
      const row = state.get(userId);
      return row?.secret && row.enabled_at !== null ? { secret: row.secret, enabledAt: row.enabled_at, lastStep: row.last_step } : undefined;
    },

    /** Turns two-factor sign-in on with this key. */
    enableTotp(userId: number, secret: string, at: number): void {
      enable.run(secret, at, userId);
    },

    /** Turns it off: the key and every recovery code go. */
    disableTotp(userId: number): void {
      disable.run(userId);
      removeCodes.run(userId);
    },

    /** Records that a code of this time step was accepted; false when this step (or a later one) already was. */
    useTotpStep(userId: number, step: number): boolean {
      return useStep.run(step, userId, step).changes === 1;
    },

    /** Replaces the person's recovery codes with these (hashes). */
    replaceRecoveryCodes(userId: number, hashes: readonly string[]): void {
      removeCodes.run(userId);
      for (const hash of hashes) insertCode.run(userId, hash);
    },

    /** Spends the unused recovery code with this hash; false when there is none. */
    useRecoveryCode(userId: number, hash: string, at: number): boolean {
      return useCode.run(at, userId, hash).changes === 1;
    },

    /** Whether this is one of the person's recovery codes, already used. */
    isSpentRecoveryCode(userId: number, hash: string): boolean {
      return spentCode.get(userId, hash) !== undefined;
    },

    /** How many of the person's recovery codes are still unused. */
    countRecoveryCodesLeft(userId: number): number {
      return codesLeft.get(userId) ?? 0;
    },

    /** The ids of everyone with two-factor sign-in on (for the owner's list). */
    listUserIdsWithTotp(): Set<number> {
      return new Set(enabledCount.all().map((r) => r.id));
    },
  };
}

export type TwoFactorRepo = ReturnType<typeof createTwoFactorRepo>;
