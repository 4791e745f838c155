import 'express-session';

declare global {
  namespace Express {
    // Only the id and email live on req.user; the hash never leaves the login check.
    interface User {
      id: number;
      email: string;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    passport?: { user?: number };
    flash?: { kind: 'success' | 'error'; message: string };
    /** When the session was first authenticated (ms since epoch), for the absolute lifetime. */
    authenticatedAt?: number;
  }
}
