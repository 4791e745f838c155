import type { TransactionType } from './transactions.ts';

/** Categories share the two transaction types: an income category only goes on income. */
export type CategoryKind = TransactionType;

/** A user's category. */
export interface Category {
  readonly id: number;
  readonly kind: CategoryKind;
  readonly name: string;
}

/** A category with how many of the user's transactions carry it. */
export interface CategoryWithCount extends Category {
  readonly transactionCount: number;
}

/** Longest category name the schema accepts, in characters. */
export const MAX_CATEGORY_NAME_CHARS = 60;

export type CategoryNameProblem = 'empty' | 'invisible' | 'too-long' | 'control-characters';

// Any Unicode space separator (the no-break and narrow no-break spaces among them): what a person sees as a space.
const SPACE_RUN = /\p{Zs}+/gu;
// Control characters, and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): a name
// holding a right-to-left override showed its letters reversed, and a name can look like another's. The marks LRM and
// RLM stay (mixed-direction names use them), as do the joiners emoji and some scripts need.
const REFUSED = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;
const REFUSED_ALL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;
// At least one character a person sees: a name of zero-width spaces or marks alone looked empty on every page. The
// Hangul fillers and the blank Braille pattern count as letters and symbols but show nothing, so they do not count.
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;
const BLANK_LOOKING = /[\u115f\u1160\u3164\uffa0\u2800]/gu;

/**
 * The one rule for a category name, used by the form, the rename, the CSV import and the migrations: Unicode NFC,
 * trimmed, every run of spaces (any kind) made one plain space; control characters (tabs and line breaks among
 * them) and bidirectional overrides refused; at least one visible character; 1 to MAX_CATEGORY_NAME_CHARS characters.
 */
export function normaliseCategoryName(raw: string): { ok: true; name: string } | { ok: false; problem: CategoryNameProblem } {
  const name = raw.normalize('NFC').trim().replace(SPACE_RUN, ' ');
  if (name === '') return { ok: false, problem: 'empty' };
  if (REFUSED.test(name)) return { ok: false, problem: 'control-characters' };
  if (!VISIBLE.test(name.replace(BLANK_LOOKING, ''))) return { ok: false, problem: 'invisible' };
  if ([...name].length > MAX_CATEGORY_NAME_CHARS) return { ok: false, problem: 'too-long' };
  return { ok: true, name };
}

/**
 * What makes two names the same category: their normalised form compared without case, in every script
 * ("Eating out" = "EATING OUT", "Über" = "über"). Stored as categories.name_key under a unique index.
 */
export function categoryNameKey(normalisedName: string): string {
  return normalisedName.toLowerCase();
}

// Ukrainian alphabetical order, which also orders Latin names as English does: SQLite compares code points, which puts
// names starting with the Ukrainian letters outside Russian's range (the ones with a hook, dots or a lower bar) after
// every other Cyrillic name. Numbers in names count as numbers ("Card 2" before "Card 10").
const NAME_ORDER = new Intl.Collator('uk', { sensitivity: 'base', numeric: true });

/** Orders category names as people read them (a list of them, a select), whatever the language: see NAME_ORDER. */
export function compareCategoryNames(a: string, b: string): number {
  return NAME_ORDER.compare(a, b);
}

/**
 * A usable name for a stored name from before the rule existed: control characters become spaces, then the rule
 * applies; an empty result becomes `fallback` and an overlong one is cut. Used by the migration only.
 */
export function repairCategoryName(stored: string, fallback: string): string {
  const result = normaliseCategoryName(stored.replace(REFUSED_ALL, ' '));
  if (result.ok) return result.name;
  if (result.problem === 'too-long') {
    const cut = normaliseCategoryName([...stored.replace(REFUSED_ALL, ' ').normalize('NFC').trim().replace(SPACE_RUN, ' ')].slice(0, MAX_CATEGORY_NAME_CHARS).join(''));
    // Cut where only marks or zero-width characters were left, it would be no name: the fallback then.
    return cut.ok ? cut.name : fallback;
  }
  return fallback;
}

/** The categories every new person starts with, by a stable id. */
export type StarterCategoryId =
  | 'salary'
  | 'otherIncome'
  | 'groceries'
  | 'housing'
  | 'transport'
  | 'utilities'
  | 'eatingOut'
  | 'health'
  | 'entertainment'
  | 'other';

/**
 * The starter categories with the name the database gives them when a user row is inserted (the trigger of
 * migration 4, in English). Registration in another language renames them to that language's names.
 */
export const STARTER_CATEGORIES: readonly { readonly id: StarterCategoryId; readonly kind: CategoryKind; readonly storedName: string }[] = [
  { id: 'salary', kind: 'income', storedName: 'Salary' },
  { id: 'otherIncome', kind: 'income', storedName: 'Other income' },
  { id: 'groceries', kind: 'expense', storedName: 'Groceries' },
  { id: 'housing', kind: 'expense', storedName: 'Housing' },
  { id: 'transport', kind: 'expense', storedName: 'Transport' },
  { id: 'utilities', kind: 'expense', storedName: 'Utilities' },
  { id: 'eatingOut', kind: 'expense', storedName: 'Eating out' },
  { id: 'health', kind: 'expense', storedName: 'Health' },
  { id: 'entertainment', kind: 'expense', storedName: 'Entertainment' },
  { id: 'other', kind: 'expense', storedName: 'Other' },
];
