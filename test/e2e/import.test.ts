import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { userIdOf } from '../helpers/bookkeeping.ts';
import { assertAccessible, browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

describe('CSV import in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  const signedInPage = (email: string): Promise<Page> => registerInBrowser(web, email);

  function count(sql: string, userId: number): number {
    return web.ctx.db.prepare<[number], { n: number }>(sql).get(userId)!.n;
  }

  test('a user uploads a bank file, fixes the column mapping from the preview, and imports it', async () => {
    const page = await signedInPage('importer@example.com');
    const userId = userIdOf(web.ctx.db, 'importer@example.com');
    const file = [
      'When;What;How much;Kind',
      '01/07/2026;Rent July;1.250,00;expense',
      '02/07/2026;Salary;3.100,50;income',
      '31/06/2026;Impossible day;10,00;expense',
      '03/07/2026;"Bakery; bread";3,20;expense',
    ].join('\r\n');

    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await page.waitForURL(/\/import$/);
    await assert.doesNotReject(page.getByText('Up to 10.0 MB').waitFor());
    await assertAccessible(page, 'upload page');
    await screenshot(page, 'import-1-upload');

    await page.getByLabel('Statement or CSV file').setInputFiles({ name: 'bank.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.waitForURL(/\/import\/[a-f0-9]{32}$/);

    // The header gives no hint for the amount, so the first guess is wrong and the preview says so on every row.
    const preview = page.getByRole('table', { name: /First rows of the file/ });
    await preview.waitFor();
    assert.equal(await page.getByLabel('Columns separated by').inputValue(), 'semicolon');
    assert.equal(await page.getByLabel('Dates are written').inputValue(), 'DD/MM/YYYY');
    assert.equal(await preview.getByText('Error').count(), 4);
    await screenshot(page, 'import-2-mapping-guessed');

    await page.getByLabel('Amount', { exact: true }).selectOption({ label: '3: How much' });
    await page.getByLabel('Description').selectOption({ label: '2: What' });
    await page.getByLabel('Decimal separator').selectOption('comma');
    await page.getByRole('button', { name: 'Update preview' }).click();
    await page.waitForURL(/\?/);
    await preview.waitFor();

    assert.equal(await preview.getByText('Error').count(), 1);
    await assert.doesNotReject(preview.getByText(/the date “31\/06\/2026” is not a real day/).waitFor());
    await assert.doesNotReject(preview.getByRole('cell', { name: '$1,250.00' }).waitFor());
    await assertAccessible(page, 'mapping page');
    await screenshot(page, 'import-3-mapping-fixed');
    // On a phone each row is a card of labelled lines, still a table to assistive technology: the amount and the
    // error are on screen without scrolling sideways.
    await page.setViewportSize({ width: 375, height: 812 });
    const amount = preview.getByRole('cell', { name: '$1,250.00' });
    const box = await amount.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `the amount is on screen: ${JSON.stringify(box)}`);
    const reason = await preview.getByText(/the date “31\/06\/2026” is not a real day/).boundingBox();
    assert.ok(reason && reason.x + reason.width <= 375 && reason.width > 150, `the error has room: ${JSON.stringify(reason)}`);
    assert.equal(await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    }), 0, 'no sideways scrolling');
    await assertAccessible(page, 'mapping page, phone');
    await screenshot(page, 'import-3-mapping-fixed-375');
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.equal(count('SELECT count(*) AS n FROM transactions WHERE user_id = ?', userId), 0, 'nothing saved before Import');

    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    await assert.doesNotReject(page.getByText(/3\s+transactions were imported from 4 rows/).waitFor());
    const errors = page.getByRole('table', { name: /Rows with errors/ });
    await assert.doesNotReject(errors.getByRole('row', { name: /4 .*not a real day/ }).waitFor());
    await assertAccessible(page, 'result page');
    await screenshot(page, 'import-4-result');
    assert.equal(count('SELECT count(*) AS n FROM transactions WHERE user_id = ?', userId), 3);

    await page.getByRole('link', { name: 'See your transactions' }).click();
    await page.waitForURL(/\/transactions$/);
    await assert.doesNotReject(page.getByText('Bakery; bread').first().waitFor());
    await screenshot(page, 'import-5-transactions');
    await page.close();
  });

  test('a large import shows a progress bar that refreshes until the result appears', async () => {
    const page = await signedInPage('bulk@example.com');
    const userId = userIdOf(web.ctx.db, 'bulk@example.com');
    const rows = ['date,type,category,amount,description'];
    for (let i = 0; i < 20_000; i++) {
      rows.push(`2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},expense,Groceries,${1 + (i % 90)}.99,Row ${i}`);
    }

    await page.goto(`${web.baseUrl}/import`);
    await page.getByLabel('Statement or CSV file').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Import', exact: true }).waitFor();
    const firstProgress = page.waitForResponse((r) => /\/progress$/.test(r.url()), { timeout: 60_000 });
    // The runner waits until the first progress page is read: the import runs in this very process, and its one
    // writing transaction holds the loop, so a body read behind it may come after the browser has moved on.
    await web.ctx.jobs.stop(0);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const response = await firstProgress;
    // Read before anything else: the page replaces itself a second later, and the body goes with it.
    const html = await response.text();
    web.ctx.jobs.start();

    // A file this big is never finished before the redirect, so the first page is the progress page, which asks
    // the browser to come back in a second.
    assert.equal(response.headers().refresh, '1');
    assert.match(html, /<h1 class="page__title">Importing…<\/h1>/);
    assert.match(html, /<progress id="import-progress"/);
    // Shown again, frozen, in a second tab (the real one has moved on) for the screenshot and the axe check.
    const still = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await still.route(response.url(), (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await still.goto(response.url());
    await assert.doesNotReject(still.getByRole('progressbar', { name: /Waiting to start|Checking rows|Saving/ }).waitFor());
    await assertAccessible(still, 'progress page');
    await screenshot(still, 'import-6-progress');
    await still.close();
    // The page refreshes itself (Refresh header, no script) until the import is done.
    await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 60_000 });
    await assert.doesNotReject(page.getByText(/20,000\s+transactions were imported/).waitFor());
    assert.equal(count('SELECT count(*) AS n FROM transactions WHERE user_id = ?', userId), 20_000);
    await screenshot(page, 'import-7-large-result');
    await page.close();
  });

  test('an interrupted import says so plainly, passes axe at 375 px, and Run again imports the kept file', async () => {
    const email = 'interrupted@example.com';
    const page = await registerInBrowser(web, email, { width: 375, height: 812 });
    const userId = userIdOf(web.ctx.db, email);
    const file = ['date,type,category,amount,description', '2026-02-01,expense,Groceries,12.50,Market', '2026-02-02,income,Salary,2000.00,Pay'].join('\n');
    await page.goto(`${web.baseUrl}/import`);
    await page.getByLabel('Statement or CSV file').setInputFiles({ name: 'bank.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Import', exact: true }).waitFor();
    // The server stops before the job runs, and the next start finds it interrupted: arranged on the job row.
    await web.ctx.jobs.stop(0);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.waitForURL(/\/progress$/);
    web.ctx.db.prepare("UPDATE jobs SET state = 'interrupted', finished_at = ? WHERE kind = 'csv-import' AND user_id = ?").run(web.ctx.clock.now(), userId);
    web.ctx.jobs.start();

    await page.reload();
    await page.getByRole('heading', { name: 'Import interrupted' }).waitFor();
    await assert.doesNotReject(page.getByRole('alert').getByText(/Nothing from this file was imported/).waitFor());
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 375 px`);
    await assertAccessible(page, 'interrupted import page');
    await screenshot(page, 'import-8-interrupted-375');
    assert.equal(count('SELECT count(*) AS n FROM transactions WHERE user_id = ?', userId), 0);

    await page.getByRole('button', { name: 'Run again' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    await assert.doesNotReject(page.getByText(/2\s+transactions were imported from 2 rows/).waitFor());
    assert.equal(count('SELECT count(*) AS n FROM transactions WHERE user_id = ?', userId), 2);
    await screenshot(page, 'import-9-run-again-375');
    await page.close();
  });
});
