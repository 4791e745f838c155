import express, { type RequestHandler } from 'express';

/**
 * Reads a large urlencoded form (the reconcile form's thousands of `ids`) for a signed-in person only: as text, split
 * by URLSearchParams, in time proportional to its size. body-parser's urlencoded reader (qs) collects repeated names
 * in time that grows with the square of their number: about 3 s for 20,000 and two minutes for a megabyte of them,
 * the event loop held all the while. Anyone else's body is left unread, so the CSRF check refuses it (403) without
 * reading a byte. Repeated names become arrays, as with the other forms; the object has no prototype to pollute.
 */
export function largeFormForSignedIn(limitBytes: number): RequestHandler {
  const text = express.text({ type: 'application/x-www-form-urlencoded', limit: limitBytes });
  return (req, res, next) => {
    if (!req.user) return next();
    text(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (typeof req.body !== 'string') return next();
      const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
      for (const [name, value] of new URLSearchParams(req.body)) {
        const before = fields[name];
        if (before === undefined) fields[name] = value;
        else if (Array.isArray(before)) before.push(value);
        else fields[name] = [before, value];
      }
      req.body = fields;
      next();
    });
  };
}
