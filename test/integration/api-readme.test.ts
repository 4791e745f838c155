import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { baseUrlOf, createTestContext, registerUser, TEST_PASSWORD } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.ts';

const run = promisify(execFile);

describe("the README's API example", () => {
  test('its shell block, run as written with curl against the app, signs in, makes a token, adds an expense once (retried) and reads the summary', async (t) => {
    // Today by the machine's clock, as the block's `date +%Y-%m` reads it.
    const ctx = createTestContext({}, { clock: manualClock(Date.now()) });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.org');
    const section = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').split('\n## API\n')[1]!;
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
    const env = { PATH: process.env.PATH, PASSWORD: TEST_PASSWORD };
    // BASE is the block's own first assignment; the app here listens on a loopback port instead.
    const script = `${block.replace(/^BASE=\S+;/m, `BASE=${await baseUrlOf(ctx.app)};`)}\n`;
    const once = await run('bash', ['-euo', 'pipefail', '-c', script], { env });
    const again = await run('bash', ['-euo', 'pipefail', '-c', script], { env });

    for (const { stdout } of [once, again]) {
      const [added, summary] = stdout.split(/(?<=\})(?=\{"period")/).map((part) => JSON.parse(part));
      assert.deepEqual([added.type, added.cents, added.amount, added.description], ['expense', 1_250, '12.50', 'Lunch']);
      assert.deepEqual([summary.expenses.cents, summary.period.param], [1_250, ctx.today().slice(0, 7)]);
    }
    assert.equal(Number(ctx.db.prepare("SELECT count(*) FROM transactions WHERE description = 'Lunch'").pluck().get()), 1, 'the retry with the same key added nothing');
    assert.equal(Number(ctx.db.prepare("SELECT count(*) FROM api_tokens WHERE name = 'Phone'").pluck().get()), 2, 'each run made its own token');
  });
});
