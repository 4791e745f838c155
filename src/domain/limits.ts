/**
 * The most of each kind of object one person may keep. Transactions scale to millions, but these are read whole
 * onto pages and forms (every category in the add form's list, every rule on every add), so a person with tens of
 * thousands of them made their own pages take seconds and, while they rendered, everyone else's (the scale review:
 * 50,000 categories from one CSV import made the categories page take 106 s and held another person's page as
 * long). Each is far above what a household keeps, and each is held by a trigger in the schema, so
 * no way in (a form, the API, an import, two workers at once) can pass it (migrations 37 and 38).
 */
export const PER_PERSON_LIMITS = {
  categories: 1000,
  accounts: 200,
  rules: 500,
  schedules: 500,
  /** Live (unexpired) API tokens: each has its own rate limit, so unlimited tokens were an unlimited rate. */
  apiTokens: 25,
} as const;

export type LimitedKind = keyof typeof PER_PERSON_LIMITS;

/** The text the schema's triggers abort with, followed by the kind: read back by `limitReachedIn`. */
export const LIMIT_REACHED = 'ledgerly: limit reached:';

/** The kind whose per-person limit refused a write, or undefined when `err` is something else. */
export function limitReachedIn(err: unknown): LimitedKind | undefined {
  if (!(err instanceof Error)) return undefined;
  const at = err.message.indexOf(LIMIT_REACHED);
  if (at < 0) return undefined;
  const kind = err.message.slice(at + LIMIT_REACHED.length).trim();
  return Object.hasOwn(PER_PERSON_LIMITS, kind) ? (kind as LimitedKind) : undefined;
}

/**
 * Sessions one person keeps: a new sign-in ends the least recently seen beyond this. Signing in over and over kept
 * every session, and the account page listed each (800 KB at 1,000).
 */
export const MAX_SESSIONS_PER_PERSON = 50;

/**
 * The key a per-person rate limit counts under (wrong current passwords, second-factor codes). Written once here, as
 * deleting an account clears what it counted: ids are reused, and the next person to register inherited a deleted
 * person's lockout.
 */
export function personLimitKey(userId: number | string): string {
  return `user:${userId}`;
}
