import type { Request, Response } from 'express';

/**
 * Answers with a file the browser saves (an export): its type and name, never sniffed into something else nor kept
 * in a shared cache, then the body `write` streams. A person who closes the tab or loses the connection mid-download
 * ends it quietly: nothing to answer, nothing to log.
 */
export async function sendDownload(req: Request, res: Response, file: { type: string; name: string }, write: () => Promise<unknown>): Promise<void> {
  res.status(200);
  res.type(file.type);
  // Express writes a non-ASCII name (a Ukrainian file name) as RFC 6266 filename*.
  res.attachment(file.name);
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Cache-Control', 'no-store');
  try {
    await write();
  } catch (err) {
    if (res.destroyed || req.destroyed) return;
    throw err;
  }
}
