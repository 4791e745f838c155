import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { ApiTokensRepo } from '../db/repos/api-tokens.ts';
import { looksLikeToken, TOKEN_PREFIX, TOKEN_TOUCH_MS, type TokenLifetime, type TokenScope } from '../domain/api-tokens.ts';
import { limitReachedIn, PER_PERSON_LIMITS } from '../domain/limits.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Why a bearer token was not accepted. */
export type TokenRefusal = 'missing' | 'unknown' | 'expired';

/** Personal access tokens: made on the account page, shown once, checked by one indexed lookup (no bcrypt). */
export function createApiTokenService(deps: {
  tokens: ApiTokensRepo;
  clock: Clock;
  /** Whether this is the person's password (bcrypt, as at sign-in). */
  passwordMatches: (userId: number, password: string) => Promise<boolean>;
}) {
  const { tokens, clock } = deps;
  /** The person's tokens, each said expired or not. */
  const list = (userId: number) => {
    const now = clock.now();
    return tokens.listTokens(userId).map((t) => ({ ...t, expired: t.expiresAt !== null && t.expiresAt <= now }));
  };
  return {
    /**
     * A new token, once the person's password is given again: a token acts for them without a session or a second
     * factor, so someone holding only a stolen session cookie must not be able to make one that outlives it. The
     * caller shows `token` once; only its SHA-256 is stored.
     */
    async create(
      userId: number,
      input: { name: string; scope: TokenScope; lifetimeDays: TokenLifetime; password: string },
    ): Promise<{ ok: true; token: string; id: number } | { ok: false; problem: 'password-missing' | 'password-wrong' | 'limit' }> {
      if (input.password === '') return { ok: false, problem: 'password-missing' };
      if (!(await deps.passwordMatches(userId, input.password))) return { ok: false, problem: 'password-wrong' };
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const now = clock.now();
      try {
        const id = tokens.createToken(userId, {
          name: input.name,
          hash: sha256(token),
          scope: input.scope,
          createdAt: now,
          expiresAt: input.lifetimeDays === null ? null : now + input.lifetimeDays * DAY_MS,
        });
        return { ok: true, token, id };
      } catch (err) {
        // The schema holds the per-person limit (a trigger), so two tabs at once cannot pass it either.
        if (limitReachedIn(err) === 'apiTokens') return { ok: false, problem: 'limit' };
        throw err;
      }
    },

    /** How many of the person's tokens have not expired, and whether that is as many as one may keep. */
    liveCount(userId: number): { count: number; atLimit: boolean } {
      const count = list(userId).filter((t) => !t.expired).length;
      return { count, atLimit: count >= PER_PERSON_LIMITS.apiTokens };
    },

    /** The person's tokens, for the account page. */
    list,

    /** Revokes one of the person's tokens at once; false when they have no such token. */
    revoke(userId: number, id: number): boolean {
      return tokens.revokeToken(userId, id);
    },

    /** Who a bearer token speaks for, or why not. Notes its use at most once a minute. */
    authenticate(bearer: string | undefined): { ok: true; userId: number; tokenId: number; scope: TokenScope; language: string | null } | { ok: false; refusal: TokenRefusal } {
      if (bearer === undefined || bearer === '') return { ok: false, refusal: 'missing' };
      if (!looksLikeToken(bearer)) return { ok: false, refusal: 'unknown' };
      const found = tokens.findTokenByHash(sha256(bearer));
      if (!found) return { ok: false, refusal: 'unknown' };
      const now = clock.now();
      if (found.expiresAt !== null && found.expiresAt <= now) return { ok: false, refusal: 'expired' };
      if (found.lastUsedAt === null || now - found.lastUsedAt >= TOKEN_TOUCH_MS) tokens.markUsed(found.tokenId, now);
      return { ok: true, userId: found.userId, tokenId: found.tokenId, scope: found.scope, language: found.language };
    },
  };
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>;
