import type { Clock } from '../../src/clock.ts';

/** A clock that stands still until the test moves it. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(instantMs: number): void;
}

/**
 * A manual clock starting at `start`: the real time by default, because two libraries still read the wall clock
 * beside ours (express-session dates the cookie, and express-rate-limit gives a hit back only while the window it
 * was told about lies ahead of Date.now()). Tests that need a particular day say which.
 */
export function manualClock(start: number = Date.now()): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(instantMs) {
      t = instantMs;
    },
  };
}
