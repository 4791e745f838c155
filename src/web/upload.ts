import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { makeFilePrivate, PRIVATE_FILE_MODE } from '../file-modes.ts';
import { BadRequestError } from './errors.ts';
import { msg } from './i18n.ts';

/** What a multipart upload brought: its text fields and whether the file came whole. */
export interface ReceivedUpload {
  readonly fields: Record<string, string>;
  readonly gotFile: boolean;
  readonly tooLarge: boolean;
  readonly bytes: number;
}

/** Streams a multipart body: the `file` part to `target` (up to maxBytes, mode 0600), text fields into a map. */
export function receiveUpload(req: Request, target: string, maxBytes: number): Promise<ReceivedUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 } });
    } catch {
      reject(new BadRequestError(msg('import.upload.notMultipart')));
      return;
    }
    const fields: Record<string, string> = {};
    let saving: Promise<void> | null = null;
    let tooLarge = false;
    let bytes = 0;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      if (name !== 'file' || saving) {
        stream.resume();
        return;
      }
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      stream.on('limit', () => {
        tooLarge = true;
      });
      // The open mode is reduced by the umask (and ignored for a file already there): chmod makes it exactly 0600.
      saving = pipeline(stream, createWriteStream(target, { mode: PRIVATE_FILE_MODE })).then(() => makeFilePrivate(target));
      // A write the disk refuses (full, or a folder the server may not write) answers at once, through the caller
      // (which removes the partial file) and the error page, the rest of the body read and dropped. Unhandled, the
      // rejection came before busboy's close and stopped the whole server.
      saving.catch((err: unknown) => {
        req.unpipe(parser);
        req.resume();
        reject(err);
      });
    });
    parser.on('error', () => reject(new BadRequestError(msg('import.upload.unreadable'))));
    // A browser that gives up mid-upload never ends the body; without this the request would wait forever.
    req.on('close', () => {
      if (!req.complete) {
        req.unpipe(parser);
        reject(new BadRequestError(msg('import.upload.interrupted')));
      }
    });
    parser.on('close', () => {
      (saving ?? Promise.resolve()).then(() => resolve({ fields, gotFile: saving !== null, tooLarge, bytes }), reject);
    });
    req.pipe(parser);
  });
}

/** A file size in a locale: "980 bytes", "12.5 kB", "10.0 MB" in en-US; "980 байтів", "12,5 кБ" in uk-UA. */
export function formatBytes(bytes: number, locale: string): string {
  const unit = bytes < 1024 ? 'byte' : bytes < 1024 * 1024 ? 'kilobyte' : 'megabyte';
  const amount = unit === 'byte' ? bytes : unit === 'kilobyte' ? bytes / 1024 : bytes / 1024 / 1024;
  const digits = unit === 'byte' ? 0 : 1;
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit,
    unitDisplay: unit === 'byte' ? 'long' : 'short',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(amount);
}
