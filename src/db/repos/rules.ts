import type { Db } from '../open.ts';
import type { Rule, RuleDraft, TextMatch } from '../../domain/rules.ts';
import type { TransactionType } from '../../domain/transactions.ts';

interface RuleRow {
  id: number;
  position: number;
  text_match: TextMatch | null;
  text_value: string | null;
  amount_min_cents: number | null;
  amount_max_cents: number | null;
  type: TransactionType | null;
  account_id: number | null;
  category_id: number | null;
  transfer_account_id: number | null;
  rename: string | null;
}

const COLUMNS = 'id, position, text_match, text_value, amount_min_cents, amount_max_cents, type, account_id, category_id, transfer_account_id, rename';

function toRule(r: RuleRow): Rule {
  return {
    id: r.id,
    position: r.position,
    text: r.text_match !== null && r.text_value !== null ? { match: r.text_match, value: r.text_value } : null,
    amount: r.amount_min_cents !== null && r.amount_max_cents !== null ? { minCents: r.amount_min_cents, maxCents: r.amount_max_cents } : null,
    type: r.type,
    accountId: r.account_id,
    categoryId: r.category_id,
    transferAccountId: r.transfer_account_id,
    rename: r.rename,
  };
}

const draftParams = (d: RuleDraft) =>
  [d.text?.match ?? null, d.text?.value ?? null, d.amount?.minCents ?? null, d.amount?.maxCents ?? null, d.type, d.accountId, d.categoryId, d.transferAccountId, d.rename] as const;

/** Statements on rules; every one names the user. */
export function createRulesRepo(db: Db) {
  const list = db.prepare<[number], RuleRow>(`SELECT ${COLUMNS} FROM rules WHERE user_id = ? ORDER BY position, id`);
  const byId = db.prepare<[number, number], RuleRow>(`SELECT ${COLUMNS} FROM rules WHERE user_id = ? AND id = ?`);
  const insert = db.prepare<[number, number, ...ReturnType<typeof draftParams>, number]>(
    `INSERT INTO rules (user_id, position, text_match, text_value, amount_min_cents, amount_max_cents, type, account_id, category_id, transfer_account_id, rename, created_at)
     VALUES (?, (SELECT coalesce(max(position), 0) + 1 FROM rules WHERE user_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = db.prepare<[...ReturnType<typeof draftParams>, number, number]>(
    `UPDATE rules SET text_match = ?, text_value = ?, amount_min_cents = ?, amount_max_cents = ?, type = ?, account_id = ?, category_id = ?, transfer_account_id = ?, rename = ?
      WHERE user_id = ? AND id = ?`,
  );
  const remove = db.prepare<[number, number]>('DELETE FROM rules WHERE user_id = ? AND id = ?');
  const setPosition = db.prepare<[number, number, number]>('UPDATE rules SET position = ? WHERE user_id = ? AND id = ?');
  // A category's or an account's deletion takes rules with it (ON DELETE CASCADE): its confirmation counts them first.
  const ofCategory = db.prepare<[number, number], { removed: number | null; kept: number | null }>(
    'SELECT sum(rename IS NULL) AS removed, sum(rename IS NOT NULL) AS kept FROM rules WHERE user_id = ? AND category_id = ?',
  );
  const ofAccount = db.prepare<[number, number, number], number>('SELECT count(*) FROM rules WHERE user_id = ? AND (account_id = ? OR transfer_account_id = ?)').pluck();
  const dropCategory = db.prepare<[number, number]>('UPDATE rules SET category_id = NULL WHERE user_id = ? AND category_id = ? AND rename IS NOT NULL');
  return {
    /** The user's rules in their order. */
    listRules(userId: number): Rule[] {
      return list.all(userId).map(toRule);
    },
    findOwnedRule(userId: number, id: number): Rule | undefined {
      const row = byId.get(userId, id);
      return row && toRule(row);
    },
    /** Adds a rule after the user's others; returns its id. */
    createRule(userId: number, draft: RuleDraft, at: number): number {
      return Number(insert.run(userId, userId, ...draftParams(draft), at).lastInsertRowid);
    },
    updateOwnedRule(userId: number, id: number, draft: RuleDraft): boolean {
      return update.run(...draftParams(draft), userId, id).changes === 1;
    },
    deleteOwnedRule(userId: number, id: number): boolean {
      return remove.run(userId, id).changes === 1;
    },
    /** The user's rules that set this category: those that do nothing else, and those that also rename. */
    countRulesSettingCategory(userId: number, categoryId: number): { onlyCategory: number; alsoRename: number } {
      const row = ofCategory.get(userId, categoryId);
      return { onlyCategory: row?.removed ?? 0, alsoRename: row?.kept ?? 0 };
    },

    /** The user's rules that look at this account or move money to it. */
    countRulesUsingAccount(userId: number, accountId: number): number {
      return ofAccount.get(userId, accountId, accountId) ?? 0;
    },

    /** Takes the category off the user's rules that also rename, so they outlive its deletion. */
    keepRenamesWithoutCategory(userId: number, categoryId: number): number {
      return dropCategory.run(userId, categoryId).changes;
    },

    setRulePosition(userId: number, id: number, position: number): void {
      setPosition.run(position, userId, id);
    },
  };
}

export type RulesRepo = ReturnType<typeof createRulesRepo>;
