import assert from 'node:assert/strict';
import { test } from 'node:test';
import express, { Router } from 'express';
import { fillPath, listRoutes, paramNames } from '../helpers/routes.ts';

test('routes on the app, in root routers and in routers mounted under a path are all listed with full paths', () => {
  const app = express();
  app.get('/top', (_req, res) => void res.end());
  const root = Router();
  root.post('/items', (_req, res) => void res.end());
  root.route('/items/:id').get((_req, res) => void res.end()).post((_req, res) => void res.end());
  const nested = Router();
  nested.post('/things/:thingId/delete', (_req, res) => void res.end());
  const outer = Router();
  outer.use('/inner', nested);
  app.use(root);
  app.use('/api', outer);

  assert.deepEqual(
    listRoutes(app).map((r) => `${r.method} ${r.path}`),
    ['GET /top', 'POST /items', 'GET /items/:id', 'POST /items/:id', 'POST /api/inner/things/:thingId/delete'],
  );
});

test('params are named and filled, and a missing value fails loudly', () => {
  assert.deepEqual(paramNames('/a/:id/b/:otherId'), ['id', 'otherId']);
  assert.equal(fillPath('/a/:id/b/:otherId', { id: 3, otherId: 'x y' }), '/a/3/b/x%20y');
  assert.throws(() => fillPath('/a/:id', {}), /no value for :id/);
});
