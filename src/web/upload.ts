import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { BadRequestError } from './errors.ts';

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
      reject(new BadRequestError('Send the file as a multipart form upload.'));
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
      saving = pipeline(stream, createWriteStream(target, { mode: 0o600 }));
    });
    parser.on('error', (err) => reject(new BadRequestError(err instanceof Error ? err.message : 'Upload failed.')));
    // A browser that gives up mid-upload never ends the body; without this the request would wait forever.
    req.on('close', () => {
      if (!req.complete) {
        req.unpipe(parser);
        reject(new BadRequestError('The upload was interrupted, so nothing was kept.'));
      }
    });
    parser.on('close', () => {
      (saving ?? Promise.resolve()).then(() => resolve({ fields, gotFile: saving !== null, tooLarge, bytes }), reject);
    });
    req.pipe(parser);
  });
}

/** "980 bytes", "12.5 KB", "10.0 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
