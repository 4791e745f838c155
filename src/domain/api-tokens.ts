/** Personal access tokens: what they may do, how long they live, and how they look. */

export const TOKEN_SCOPES = ['read', 'read-write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The lifetimes offered when a token is made, in days; null never expires. */
export const TOKEN_LIFETIMES = [null, 30, 90, 365] as const;
export type TokenLifetime = (typeof TOKEN_LIFETIMES)[number];

/**
 * Every token starts with this, so secret scanners (and people) recognise a leaked one: `lgy_` then 43 base64url
 * characters (32 random bytes).
 */
export const TOKEN_PREFIX = 'lgy_';
const TOKEN_SHAPE = /^lgy_[A-Za-z0-9_-]{43}$/;

/** Whether a string could be one of our tokens (checked before any lookup). */
export function looksLikeToken(text: string): boolean {
  return TOKEN_SHAPE.test(text);
}

/** The longest token name kept. */
export const TOKEN_NAME_MAX = 60;

/** How often a token's "last used" is written: at most once a minute, so reads do not each cost a write. */
export const TOKEN_TOUCH_MS = 60_000;

/** Whether a token lets its holder change data. */
export function canWrite(scope: TokenScope): boolean {
  return scope === 'read-write';
}
