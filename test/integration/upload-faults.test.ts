import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import express from 'express';
import request from 'supertest';
import { receiveUpload } from '../../src/web/upload.ts';

test('an upload the disk refuses to write (full) rejects with the disk\'s error, and the process and the next upload go on', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-upload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // /dev/full answers every write with ENOSPC, as a full disk does; the upload's file is a link to it.
  const full = path.join(dir, 'full.csv');
  symlinkSync('/dev/full', full);
  const app = express();
  app.post('/upload/:name', async (req, res) => {
    try {
      const upload = await receiveUpload(req, path.join(dir, String(req.params.name)), 1024 * 1024);
      res.json({ bytes: upload.bytes });
    } catch (err) {
      res.status(503).json({ code: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
  });
  // Big enough that the write fails while the body is still coming in.
  const body = Buffer.alloc(256 * 1024, 'a');
  const refused = await request(app).post('/upload/full.csv').attach('file', body, 'big.csv');
  assert.equal(refused.status, 503);
  assert.equal(refused.body.code, 'ENOSPC');
  const kept = await request(app).post('/upload/ok.csv').attach('file', body, 'big.csv');
  assert.equal(kept.status, 200);
  assert.equal(kept.body.bytes, body.length);
  assert.ok(existsSync(path.join(dir, 'ok.csv')));
});
