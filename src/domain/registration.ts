/**
 * Who may create an account (REGISTRATION): anyone (open), people with an invite link (invite), or nobody (closed).
 * The first account of an empty instance may always be created, so a fresh install can be set up.
 */
export const REGISTRATION_MODES = ['open', 'invite', 'closed'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/** How long an invite link works after it is made. */
export const INVITE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** An invite as the sign-up page finds it. */
export type InviteState = 'none' | 'valid' | 'expired' | 'used' | 'unknown';

/** What the sign-up page offers. */
export type SignUpAccess =
  | { readonly open: true; readonly invited: boolean }
  | { readonly open: false; readonly reason: 'closed' | 'invite-needed' | 'invite-expired' | 'invite-used' | 'invite-unknown' };

/** Whether a sign-up may go ahead, from the mode, whether the instance has accounts, and the invite presented. */
export function signUpAccess(mode: RegistrationMode, hasUsers: boolean, invite: InviteState): SignUpAccess {
  if (!hasUsers || mode === 'open') return { open: true, invited: false };
  if (mode === 'closed') return { open: false, reason: 'closed' };
  switch (invite) {
    case 'valid':
      return { open: true, invited: true };
    case 'none':
      return { open: false, reason: 'invite-needed' };
    case 'expired':
      return { open: false, reason: 'invite-expired' };
    case 'used':
      return { open: false, reason: 'invite-used' };
    case 'unknown':
      return { open: false, reason: 'invite-unknown' };
  }
}

/** The state of an invite row at `now` (none found: unknown). */
export function inviteState(row: { expiresAt: number; usedAt: number | null } | undefined, now: number): InviteState {
  if (!row) return 'unknown';
  if (row.usedAt !== null) return 'used';
  return row.expiresAt > now ? 'valid' : 'expired';
}
