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

  test('a large import updates its progress bar in place, keeps focus, and puts focus on the result when done', async () => {
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
    // The import waits until the first progress page is read and shown: it runs in this very process, and its one
    // writing transaction holds the loop.
    await web.ctx.jobs.stop(0);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const response = await firstProgress;
    const html = await response.text();
    await page.getByRole('progressbar', { name: /Waiting to start/ }).waitFor();

    // A file this big is never finished before the redirect, so the first page is the progress page. It never asks
    // the browser to reload (a screen reader started again every second, and focus was lost).
    assert.equal(response.headers().refresh, undefined);
    assert.match(html, /<h1 class="page__title">Importing…<\/h1>/);
    assert.match(html, /<progress id="import-progress"/);
    // With script the page says it updates itself, and the Check progress link is not needed.
    await assert.doesNotReject(page.getByText('This page updates itself every second.').waitFor());
    assert.equal(await page.getByRole('link', { name: 'Check progress' }).isVisible(), false);
    await assertAccessible(page, 'progress page');
    await screenshot(page, 'import-6-progress');

    // Without script the same page stays still, says so, and its link reads it again.
    const still = await web.browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 812 } });
    await still.addCookies(await page.context().cookies());
    const noScript = await still.newPage();
    await noScript.goto(response.url());
    await assert.doesNotReject(noScript.getByText(/This page does not update itself/).waitFor());
    const check = noScript.getByRole('link', { name: 'Check progress' });
    assert.equal(await check.getAttribute('href'), new URL(response.url()).pathname);
    await screenshot(noScript, 'import-6-progress-no-script-375');

    // While the import runs the page reads itself again in the background: shown here frozen in a second tab whose
    // second answer is a later phase, the bar and its label change in place, the new phase is said once in the
    // status line, and focus stays where the person put it.
    const frozen = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const later = html
      .replace('data-phase="queued"', 'data-phase="reading"')
      .replace(/<label for="import-progress">[^<]*<\/label>\s*<progress id="import-progress"><\/progress>/, '<label for="import-progress">Checking rows: 5,000 so far</label><progress id="import-progress" max="100" value="40">40%</progress>');
    assert.notEqual(later, html);
    let answers = 0;
    await frozen.route(response.url(), (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: answers++ === 0 ? html : later }));
    await frozen.goto(response.url());
    await frozen.getByRole('link', { name: 'Skip to content' }).focus();
    await frozen.getByRole('progressbar', { name: 'Checking rows: 5,000 so far' }).waitFor();
    assert.equal(await frozen.locator('#import-progress').getAttribute('value'), '40');
    assert.equal(await frozen.locator('[data-import-announce]').textContent(), 'Checking rows: 5,000 so far');
    assert.equal(await frozen.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent), 'Skip to content');
    await frozen.close();

    // The real page follows the import without ever loading again, and the result takes focus when it comes.
    const loads: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) loads.push(frame.url());
    });
    web.ctx.jobs.start();
    const heading = page.getByRole('heading', { name: 'Import finished', level: 1 });
    await heading.waitFor({ timeout: 60_000 });
    await assert.doesNotReject(page.getByText(/20,000\s+transactions were imported/).waitFor());
    assert.deepEqual(loads, [], 'the page was never reloaded');
    assert.equal(await heading.evaluate((h) => h === (h.ownerDocument.activeElement as unknown)), true, 'focus is on the result heading');
    assert.match(await page.title(), /^Import finished/);
    assert.equal(count('SELECT count(*) AS n FROM transactions WHERE user_id = ?', userId), 20_000);
    await screenshot(page, 'import-7-large-result');

    // Check progress, pressed without script, now shows the result.
    await check.click();
    await noScript.getByRole('heading', { name: 'Import finished' }).waitFor();
    await still.close();
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
