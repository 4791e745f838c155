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
    destination,
  );
}
