import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Clock } from '../clock.ts';
import type { Msg } from './i18n.ts';

/**
 * The one-time message shown on the page after a form (“Transaction added.”), carried in a short-lived signed cookie
 * instead of the session: a write then commits once (its own rows), not a second time for the session row, and
 * the message still survives the redirect. The cookie is HMAC-signed with the session secret, HttpOnly, SameSite=Lax,
 * and read and cleared by the next page. It carries the app clock's time of writing, and a message older than a
 * minute on that clock is not shown (the cookie itself sets no expiry, which the wall clock would date).
 */
export interface Flash {
  readonly kind: 'success' | 'error';
  readonly message: Msg;
  readonly more?: readonly Msg[];
  readonly link?: { readonly href: string; readonly label: Msg };
}

export const FLASH_COOKIE = 'ledgerly_flash';
/** A message older than this is not shown (a redirect is followed at once). */
const FLASH_MAX_AGE_MS = 60_000;

export interface FlashCookies {
  /** Sets the message for the next page. */
  write(res: Response, flash: Flash): void;
  /** The message the request carries, when its signature holds, and clears it. */
  take(req: Request, res: Response): Flash | undefined;
}

export function createFlashCookies(options: { secret: string; secure: boolean; clock: Clock }): FlashCookies {
  const sign = (payload: string) => createHmac('sha256', options.secret).update(`flash:${payload}`).digest('base64url');
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: options.secure, path: '/' };
  return {
    write(res, flash) {
      const payload = Buffer.from(JSON.stringify({ at: options.clock.now(), flash })).toString('base64url');
      res.cookie(FLASH_COOKIE, `${payload}.${sign(payload)}`, { ...cookieOptions, encode: String });
    },
    take(req, res) {
      // A HEAD shows no page, so it leaves the message for the GET that will.
      if (req.method === 'HEAD') return undefined;
      const raw = cookieValue(req.headers.cookie, FLASH_COOKIE);
      if (raw === undefined) return undefined;
      res.clearCookie(FLASH_COOKIE, cookieOptions);
      const dot = raw.lastIndexOf('.');
      if (dot < 0) return undefined;
      const payload = raw.slice(0, dot);
      const given = Buffer.from(raw.slice(dot + 1));
      const expected = Buffer.from(sign(payload));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        const { at, flash } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { at: number; flash: Flash };
        const age = options.clock.now() - at;
        return age >= 0 && age <= FLASH_MAX_AGE_MS ? flash : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** One cookie's value from a Cookie header, or undefined. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
