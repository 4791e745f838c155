import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logger. Redaction is a second line of defence: the code never passes passwords, hashes,
 * cookies or session ids, and these paths are censored if one ever slips into a logged object.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['password', 'passwordHash', 'password_hash', 'sid', 'sessionId', 'cookie', '*.password', '*.cookie', 'req.headers.cookie'],
        censor: '[redacted]',
      },
    },
    // Written synchronously: the default (asynchronous) stream flushes once more as the process exits, and when the
    // reader of a pipe had gone (a log tool stopped) that flush retried its write forever, so a stop never ended. A
    // synchronous stream has nothing left to flush, and on a broken pipe it stops logging (pino's own handling).
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Security events worth keeping; each names the user (when known) and the client IP, never a secret. */
export type AuditEvent =
  | { event: 'login.success'; userId: number; ip: string }
  | { event: 'login.failure'; userId: number | null; ip: string }
  | { event: 'logout'; userId: number; ip: string }
  | { event: 'rate_limit.lockout'; limiter: string; userId: number | null; ip: string; retryAfterSeconds: number }
  | { event: 'account.registered'; userId: number; ip: string }
  | { event: 'password.changed'; userId: number; ip: string; endedSessions: number; revokedTokens: number }
  | { event: 'password.change_failed'; userId: number; ip: string }
  | { event: 'sessions.logged_out_others'; userId: number; ip: string; endedSessions: number }
  | { event: 'account.deleted'; userId: number; ip: string }
  | { event: 'account.delete_failed'; userId: number; ip: string }
  | { event: 'session.ended'; userId: number; ip: string }
  | { event: 'passkey.added'; userId: number; ip: string }
  | { event: 'api_token.created'; userId: number; ip: string; scope: string }
  | { event: 'api_token.revoked'; userId: number; ip: string }
  | { event: 'passkey.removed'; userId: number; ip: string; endedSessions: number }
  | { event: 'two_factor.enabled'; userId: number; ip: string; endedSessions: number }
  | { event: 'two_factor.disabled'; userId: number; ip: string; endedSessions: number }
  | { event: 'two_factor.codes_replaced'; userId: number; ip: string }
  | { event: 'admin.two_factor_disabled'; userId: number; endedSessions: number }
  | { event: 'admin.unlocked'; userId: number; cleared: number }
  // The instance owner's commands (npm run admin), run on the server's machine: no IP.
  | { event: 'admin.users_listed'; count: number }
  | { event: 'admin.invite_created'; expiresAt: string }
  | { event: 'admin.password_reset'; userId: number; endedSessions: number; revokedTokens: number; removedPasskeys: number }
  | { event: 'admin.user_deleted'; userId: number }
  | { event: 'admin.currency_set'; from: string | null; to: string };

/** Writes audit events as structured lines tagged audit: true, so they can be filtered from the rest. */
export function createAuditLog(logger: Logger, keep?: (entry: AuditEvent) => void) {
  const audit = logger.child({ audit: true });
  return {
    /** Records one security event at info level (warn for failures and lockouts). */
    record(entry: AuditEvent): void {
      // Also kept where the person can see it (their account page), when the app passes a keeper.
      keep?.(entry);
      const failed = entry.event.endsWith('failure') || entry.event.endsWith('_failed') || entry.event === 'rate_limit.lockout';
      if (failed) audit.warn(entry, entry.event);
      else audit.info(entry, entry.event);
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
