import type { JobRunner } from '../jobs/runner.ts';
import type { Logger } from '../logger.ts';
import type { ImportService } from './imports.ts';

/** The job kind of the hourly sweep. */
const SWEEP_JOB = 'sweep';
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/**
 * Registers the hourly sweep with the job runner: expired sessions and rate-limit windows, security events over
 * 180 days old, old uploads and old jobs go. One sweep per hour across every process on the database (the runner's slot key sees to that).
 */
export function scheduleSweeps(deps: {
  runner: JobRunner;
  imports: ImportService;
  sessions: { pruneExpired(): number };
  rateLimits: { pruneExpired(): number };
  securityEvents: { pruneOldEvents(): number };
  idempotencyKeys: { pruneOld(): number };
  logger: Logger;
}): void {
  deps.runner.every(SWEEP_JOB, SWEEP_EVERY_MS, async () => {
    const swept = {
      sessions: deps.sessions.pruneExpired(),
      rateLimitWindows: deps.rateLimits.pruneExpired(),
      securityEvents: deps.securityEvents.pruneOldEvents(),
      idempotencyKeys: deps.idempotencyKeys.pruneOld(),
      ...(await deps.imports.sweep()),
    };
    deps.logger.debug(swept, 'swept');
    return swept;
  });
}
