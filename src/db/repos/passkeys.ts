import type { Db } from '../open.ts';

/** A passkey as stored: the credential's public half, its counter, and the name its owner gave it. */
export interface PasskeyRow {
  readonly id: number;
  readonly userId: number;
  readonly credentialId: string;
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly counter: number;
  readonly transports: string[];
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

type Raw = { id: number; user_id: number; credential_id: string; public_key: Buffer; counter: number; transports: string | null; name: string; created_at: number; last_used_at: number | null };

const toRow = (r: Raw): PasskeyRow => ({
  id: r.id,
  userId: r.user_id,
  credentialId: r.credential_id,
  publicKey: new Uint8Array(r.public_key.buffer.slice(r.public_key.byteOffset, r.public_key.byteOffset + r.public_key.byteLength) as ArrayBuffer),
  counter: r.counter,
  transports: r.transports ? (JSON.parse(r.transports) as string[]) : [],
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

/** Prepared statements on passkeys; every one but the sign-in lookup (by credential, which names its owner) takes the user. */
export function createPasskeysRepo(db: Db) {
  const insert = db.prepare<[number, string, Buffer, number, string, string, number]>(
    // A credential already kept (the same answer sent twice, to two workers at once) is not a failure: nothing is added.
    'INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING',
  );
  const ofUser = db.prepare<[number], Raw>('SELECT * FROM passkeys WHERE user_id = ? ORDER BY id');
  const byCredential = db.prepare<[string], Raw>('SELECT * FROM passkeys WHERE credential_id = ?');
  const used = db.prepare<[number, number, number, number]>('UPDATE passkeys SET counter = ?, last_used_at = ? WHERE id = ? AND user_id = ?');
  const rename = db.prepare<[string, number, number]>('UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?');
  const remove = db.prepare<[number, number]>('DELETE FROM passkeys WHERE id = ? AND user_id = ?');
  const removeAll = db.prepare<[number]>('DELETE FROM passkeys WHERE user_id = ?');
  return {
    /** Keeps a new passkey; false when its credential is kept already (by anyone). */
    addPasskey(userId: number, p: { credentialId: string; publicKey: Uint8Array; counter: number; transports: string[]; name: string; createdAt: number }): boolean {
      return insert.run(userId, p.credentialId, Buffer.from(p.publicKey), p.counter, JSON.stringify(p.transports), p.name, p.createdAt).changes === 1;
    },
    listPasskeys(userId: number): PasskeyRow[] {
      return ofUser.all(userId).map(toRow);
    },
    /** The passkey with this credential id, whoever owns it: signing in with a passkey is how we learn who it is. */
    findByCredentialId(credentialId: string): PasskeyRow | undefined {
      const row = byCredential.get(credentialId);
      return row && toRow(row);
    },
    recordUse(userId: number, id: number, counter: number, at: number): void {
      used.run(counter, at, id, userId);
    },
    renamePasskey(userId: number, id: number, name: string): boolean {
      return rename.run(name, id, userId).changes === 1;
    },
    removePasskey(userId: number, id: number): boolean {
      return remove.run(id, userId).changes === 1;
    },
    /** Removes every passkey of the user (the owner's password reset); returns how many. */
    removeAllPasskeys(userId: number): number {
      return removeAll.run(userId).changes;
    },
  };
}

export type PasskeysRepo = ReturnType<typeof createPasskeysRepo>;
