/**
 * The layers as the README draws them, checked on the source: routes parse, call a service and render, so they never
 * reach into the database or into each other; domain/ is pure; SQL lives in db/. A change that breaks a rule fails
 * here with the file and the import that broke it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.ts';

const SRC = path.join(REPO_ROOT, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Every module a file imports (static, dynamic and type-only), resolved to a path when it is one of ours. */
function importsOf(file: string): { spec: string; resolved: string | undefined }[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/\bfrom\s+'([^']+)'/g),
    ...text.matchAll(/\bimport\s+'([^']+)'/g),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1]!);
  return specs.map((spec) => ({ spec, resolved: spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : undefined }));
}

function rel(file: string): string {
  return path.relative(path.dirname(SRC), file);
}

const inside = (file: string, folder: string) => file.startsWith(path.join(SRC, folder) + path.sep);

describe('the layers', () => {
  test('a route imports neither db/ nor another route', () => {
    const routes = filesUnder(path.join(SRC, 'web', 'routes'));
    assert.ok(routes.length >= 7, `found the route files (${routes.length})`);
    const broken: string[] = [];
    for (const file of routes) {
      for (const { spec, resolved } of importsOf(file)) {
        if (resolved === undefined) continue;
        if (inside(resolved, 'db')) broken.push(`${rel(file)} imports ${spec} (db/)`);
        if (inside(resolved, path.join('web', 'routes'))) broken.push(`${rel(file)} imports ${spec} (another route)`);
      }
    }
    assert.deepEqual(broken, []);
  });

  test('nothing in web/ reaches into db/ or jobs/: it goes through a service', () => {
    const broken = filesUnder(path.join(SRC, 'web')).flatMap((file) =>
      importsOf(file)
        .filter(({ resolved }) => resolved !== undefined && (inside(resolved, 'db') || inside(resolved, 'jobs')))
        .map(({ spec }) => `${rel(file)} imports ${spec}`),
    );
    assert.deepEqual(broken, []);
  });

  test('domain/ imports nothing of ours outside domain/, and no package but Node built-ins', () => {
    const broken = filesUnder(path.join(SRC, 'domain')).flatMap((file) =>
      importsOf(file)
        .filter(({ spec, resolved }) => (resolved === undefined ? !spec.startsWith('node:') : !inside(resolved, 'domain')))
        .map(({ spec }) => `${rel(file)} imports ${spec}`),
    );
    assert.deepEqual(broken, []);
  });

  test('domain/ does no I/O and reads no clock', () => {
    const broken = filesUnder(path.join(SRC, 'domain')).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [/\bDate\.now\(/, /\bnew Date\(\)/, /\bprocess\./, /\bfrom 'node:(fs|net|http|child_process)/, /\bperformance\.now\(/]
        .filter((pattern) => pattern.test(text))
        .map((pattern) => `${rel(file)} matches ${pattern}`);
    });
    assert.deepEqual(broken, []);
  });

  test('arrows only point down: db/ and domain/ never import services/, web/ or jobs/; services/ never import web/', () => {
    const rules: [folder: string, forbidden: string[]][] = [
      ['db', ['services', 'web', 'jobs']],
      ['domain', ['services', 'web', 'jobs', 'db']],
      ['jobs', ['services', 'web']],
      ['services', ['web']],
    ];
    const broken = rules.flatMap(([folder, forbidden]) =>
      filesUnder(path.join(SRC, folder)).flatMap((file) =>
        importsOf(file)
          .filter(({ resolved }) => resolved !== undefined && forbidden.some((f) => inside(resolved, f)))
          .map(({ spec }) => `${rel(file)} imports ${spec}`),
      ),
    );
    assert.deepEqual(broken, []);
  });

  test('SQL lives only in db/', () => {
    const sql = /\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER))/;
    const broken = filesUnder(SRC)
      .filter((file) => !inside(file, 'db'))
      .filter((file) => sql.test(readFileSync(file, 'utf8')))
      .map(rel);
    assert.deepEqual(broken, []);
  });

  test('a route handler never asserts the user with "!": it asks signedInUser(req)', () => {
    const broken = filesUnder(path.join(SRC, 'web'))
      .filter((file) => /req\.user!/.test(readFileSync(file, 'utf8')))
      .map(rel);
    assert.deepEqual(broken, []);
  });
});
