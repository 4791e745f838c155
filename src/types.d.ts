import 'express-session';

declare global {
  namespace Express {
    // Only the id and email live on req.user; the hash never leaves the login check.
    interface User {
      id: number;
      email: string;
      /** The language chosen on the account page (a code of web/i18n.ts LANGUAGES); null follows the browser. */
      language: string | null;
      /** The IANA zone of the person's days; null or missing follows the instance's TIME_ZONE. */
      timeZone?: string | null;
      /** 'light' or 'dark' as chosen on the account page; null or missing follows the device. */
      theme?: string | null;
      /** False when the person turned the dashboard's charts off on the account page. */
      dashboardCharts?: boolean;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    passport?: { user?: number };
    /** The account of the last transaction added in this session: the add form starts in it. */
    lastAccountId?: number;
    /** The language chosen on the login or registration page before signing in. */
    language?: string;
    /** When the session was first authenticated (ms since epoch), for the absolute lifetime. */
    authenticatedAt?: number;
    /**
     * A correct password from someone with two-factor sign-in on: the session is not signed in, and only the code
     * page acts on it, until `since` + PENDING_SIGN_IN_MS. `next` is where to go after the code.
     */
    pendingTwoFactor?: { userId: number; since: number; next: string };
    /** The email of a sign-in whose code came too late: the login page says so once and fills it in. */
    signInTimedOut?: { email: string };
    /** Where and with what the session signed in (for the session list on the account page). */
    device?: { ip: string; userAgent: string; startedAt: number };
    /** The challenge of a passkey ceremony under way (adding one, or signing in with one), for a few minutes. */
    passkeyChallenge?: { challenge: string; purpose: 'register' | 'login'; since: number };
    /** The passkey (its row id) this session signed in with; none for the password. Removing that passkey ends the session. */
    passkeyId?: number;
    /** A personal access token just made, shown once on the tokens page (sealed: web/session-secrets.ts). */
    freshApiToken?: { sealed: string; name: string; since: number };
    /** A two-factor key being set up on the account page, not stored until a code from it checks out (sealed). */
    totpSetup?: { sealed: string; since: number };
    /**
     * Recovery codes just made (sealed, one per line): shown on their page once (`shown` then set), and offered as a
     * download until the person says they saved them or the window ends.
     */
    freshRecoveryCodes?: { sealed: string; since: number; shown?: true };
    /**
     * Set in what the store writes, never by a route: this session has a row, so a later save may only update it. A
     * request still in flight when its person's sessions were ended (a new password, signing out elsewhere) would
     * otherwise write the row back as it finished, and its cookie would be signed in again.
     */
    stored?: true;
  }
}
