import { createHash } from 'node:crypto';
import Bowser from 'bowser';
import type { Clock } from '../clock.ts';
import type { SecurityEventsRepo } from '../db/repos/security-events.ts';
import type { AuditEvent } from '../logger.ts';

/** How long security events are kept. */
export const SECURITY_EVENTS_KEPT_MS = 180 * 24 * 60 * 60 * 1000;
/** How many the account page lists. */
const EVENTS_LISTED = 30;

/** The audit events a person sees on their account page (the others are for the owner's log only). */
const SHOWN = new Set([
  'login.success',
  'login.failure',
  'rate_limit.lockout',
  'password.changed',
  'two_factor.enabled',
  'two_factor.disabled',
  'two_factor.codes_replaced',
  'sessions.logged_out_others',
  'session.ended',
  'passkey.added',
  'passkey.removed',
  'api_token.created',
  'api_token.revoked',
  'admin.password_reset',
  'admin.two_factor_disabled',
  'admin.unlocked',
]);

/** What the app keeps about a session when it signs in: where from and with what, for the session list. */
export interface SessionDevice {
  readonly ip: string;
  readonly userAgent: string;
  readonly startedAt: number;
}

/** What the session list needs of the session store. */
export interface SessionLister {
  /** Each session by the key it is stored under (a digest of its id; never the id). */
  listSessionsOfUser(userId: number): { key: string; data: { device?: SessionDevice }; lastSeenAt: number | null }[];
  keyOf(sid: string): string;
  destroySessionOfUser(userId: number, key: string): boolean;
}

/**
 * A session's public handle: neither its id (the cookie's secret) nor its stored key reaches a page, so the list
 * and its "end" buttons name each session by a digest of the key.
 */
function handleOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url').slice(0, 22);
}

/** "Firefox 133 on Windows 10", from a User-Agent header (bowser, MIT). */
function describeAgent(userAgent: string): { browser: string; os: string } {
  if (userAgent === '') return { browser: '', os: '' };
  const parsed = Bowser.parse(userAgent);
  const major = parsed.browser.version?.split('.')[0];
  return {
    browser: [parsed.browser.name, major].filter(Boolean).join(' '),
    os: [parsed.os.name, parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(' '),
  };
}

/** A person's sessions and security events, for the account page. */
export function createSecurityService(deps: { events: SecurityEventsRepo; sessions: SessionLister; clock: Clock }) {
  return {
    /** Keeps an audit event in the person's list when it is one they should see. */
    recordEvent(entry: AuditEvent): void {
      if (!SHOWN.has(entry.event) || !('userId' in entry) || typeof entry.userId !== 'number') return;
      const ip = 'ip' in entry ? entry.ip : null;
      const detail = entry.event === 'rate_limit.lockout' ? entry.limiter : 'endedSessions' in entry ? String(entry.endedSessions) : null;
      deps.events.recordEvent(entry.userId, deps.clock.now(), entry.event, ip, detail);
    },

    /** The last 30 events of the person, newest first. */
    latestEvents(userId: number) {
      return deps.events.listLatestEvents(userId, EVENTS_LISTED);
    },

    /** Every live session of the person, this one marked, with where and what it signed in from. */
    sessionsOf(userId: number, currentSid: string) {
      const current = deps.sessions.keyOf(currentSid);
      return deps.sessions.listSessionsOfUser(userId).map((s) => ({
        handle: handleOf(s.key),
        current: s.key === current,
        startedAt: s.data.device?.startedAt ?? null,
        lastSeenAt: s.lastSeenAt,
        ip: s.data.device?.ip ?? null,
        ...describeAgent(s.data.device?.userAgent ?? ''),
      }));
    },

    /** Ends one of the person's sessions, named by its handle; false when they have no such session. */
    endSession(userId: number, handle: string): boolean {
      const found = deps.sessions.listSessionsOfUser(userId).find((s) => handleOf(s.key) === handle);
      return found !== undefined && deps.sessions.destroySessionOfUser(userId, found.key);
    },

    /** Deletes events older than 180 days (the hourly sweep calls it); returns how many went. */
    pruneOldEvents(): number {
      return deps.events.pruneEventsBefore(deps.clock.now() - SECURITY_EVENTS_KEPT_MS);
    },
  };
}

export type SecurityService = ReturnType<typeof createSecurityService>;
