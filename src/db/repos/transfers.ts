import type { Transfer, TransferDraft } from '../../domain/transfers.ts';
import type { Db } from '../open.ts';

interface TransferRow {
  id: number;
  from_account_id: number;
  to_account_id: number;
  amount_cents: number;
  occurred_on: string;
  description: string;
}

/**
 * Prepared statements on transfers; every one takes the owner's user id. A transfer is a transfers row and two
 * legs in transactions (transfer_out from one account, transfer_in to the other), always written together by the
 * caller's database transaction.
 */
export function createTransfersRepo(db: Db) {
  const insertTransfer = db.prepare<[number]>('INSERT INTO transfers (user_id) VALUES (?)');
  const insertLeg = db.prepare<[number, number, string, number, string, string, number, string | null]>(
    `INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description, transfer_id, import_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare<[number, number], TransferRow>(
    `SELECT t.id, o.account_id AS from_account_id, i.account_id AS to_account_id, o.amount_cents, o.occurred_on, o.description
       FROM transfers t
       JOIN transactions o ON o.transfer_id = t.id AND o.type = 'transfer_out'
       JOIN transactions i ON i.transfer_id = t.id AND i.type = 'transfer_in'
      WHERE t.user_id = ? AND t.id = ?`,
  );
  const updateLeg = db.prepare<[number, number, string, string, number, number, string]>(
    `UPDATE transactions SET account_id = ?, amount_cents = ?, occurred_on = ?, description = ?
      WHERE user_id = ? AND transfer_id = ? AND type = ?`,
  );
  const remove = db.prepare<[number, number]>('DELETE FROM transfers WHERE user_id = ? AND id = ?');
  const removeLegs = db.prepare<[number, number]>('DELETE FROM transactions WHERE user_id = ? AND transfer_id = ?');
  const legsOf = db.prepare<[number, number], { status: string }>('SELECT status FROM transactions WHERE user_id = ? AND transfer_id = ?');

  return {
    /**
     * Records a transfer and its two legs (the caller holds the transaction); returns the transfer's id. A transfer
     * made from a statement row keeps that row's import key on the leg in the statement's account.
     */
    createTransfer(userId: number, draft: TransferDraft, imported?: { readonly leg: 'out' | 'in'; readonly key: string }): number {
      const id = Number(insertTransfer.run(userId).lastInsertRowid);
      insertLeg.run(userId, draft.fromAccountId, 'transfer_out', draft.amountCents, draft.occurredOn, draft.description, id, imported?.leg === 'out' ? imported.key : null);
      insertLeg.run(userId, draft.toAccountId, 'transfer_in', draft.amountCents, draft.occurredOn, draft.description, id, imported?.leg === 'in' ? imported.key : null);
      return id;
    },

    /** The user's transfer with this id, or undefined if it does not exist or belongs to someone else. */
    findOwnedTransfer(userId: number, id: number): Transfer | undefined {
      const row = byId.get(userId, id);
      return (
        row && {
          id: row.id,
          fromAccountId: row.from_account_id,
          toAccountId: row.to_account_id,
          amountCents: row.amount_cents,
          occurredOn: row.occurred_on,
          description: row.description,
        }
      );
    },

    /** Whether any leg of the user's transfer has been reconciled against a statement. */
    isTransferReconciled(userId: number, id: number): boolean {
      return legsOf.all(userId, id).some((leg) => leg.status === 'reconciled');
    },

    /** Rewrites both legs of the user's transfer (the caller holds the transaction); false when it is not theirs. */
    updateOwnedTransfer(userId: number, id: number, draft: TransferDraft): boolean {
      const out = updateLeg.run(draft.fromAccountId, draft.amountCents, draft.occurredOn, draft.description, userId, id, 'transfer_out').changes;
      const into = updateLeg.run(draft.toAccountId, draft.amountCents, draft.occurredOn, draft.description, userId, id, 'transfer_in').changes;
      return out === 1 && into === 1;
    },

    /**
     * Deletes the user's transfer and its legs (the caller holds the transaction); false when it is not theirs. The
     * legs are deleted first by statement, so the per-account totals' triggers see each one go.
     */
    deleteOwnedTransfer(userId: number, id: number): boolean {
      removeLegs.run(userId, id);
      return remove.run(userId, id).changes === 1;
    },
  };
}

export type TransfersRepo = ReturnType<typeof createTransfersRepo>;
