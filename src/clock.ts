/**
 * The one source of "now". Everything that needs the time (today's date, session expiry, rate-limit windows, job
 * timestamps) takes a Clock, so tests can fix or move time instead of waiting for it.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The machine's clock; server.ts and the command-line tools hand it in. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
