import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createTestContext, TEST_PASSWORD, type TestContext } from '../helpers/app.ts';
import { assertAccessible, browserAvailability, openMenu, launchBrowser, screenshot, serve } from '../helpers/browser.ts';

/** WCAG contrast ratio of two "rgb(r, g, b)" colours. */
function contrast(a: string, b: string): number {
  const luminance = (rgb: string) => {
    const [r, g, bl] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const availability = browserAvailability();

/** A loopback port free right now (the server takes it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

describe('passkeys in a real browser, with Chromium\'s virtual authenticator', { skip: availability.skip }, () => {
  let ctx: TestContext;
  let browser: Browser;
  let base: string;
  let stop: () => Promise<void>;

  before(async () => {
    const port = await freePort();
    // A passkey is bound to a host name (never an IP address): the app's PUBLIC_URL, and the address the browser opens.
    base = `http://localhost:${port}`;
    ctx = createTestContext({ PUBLIC_URL: base });
    const served = await serve(ctx.app, port);
    stop = served.close;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stop?.();
    await ctx?.cleanup();
  });

  test('a person adds a passkey on the account page, signs out, and signs in with it alone; without script the login page keeps only the password form', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
    });

    await page.goto(`${base}/register`);
    await page.getByLabel('Email').fill('lee@example.com');
    await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    await page.getByLabel(/Confirm/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: /Create account/ }).click();
    await page.waitForURL(/\/dashboard/);

    await page.goto(`${base}/account`);
    await page.getByLabel('Name for the new passkey').fill('Test laptop');
    // The password is asked again: a passkey signs in without it. A wrong one is said beside the form, the field is
    // marked and focused, and nothing is added.
    await page.getByLabel('Your password', { exact: true }).fill('not my password');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('That password is not right; no passkey was added.').waitFor();
    const refusedField = page.getByLabel('Your password', { exact: true });
    assert.equal(await refusedField.getAttribute('aria-invalid'), 'true');
    assert.equal(await refusedField.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement), true, 'the refused field has the focus');
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM passkeys').pluck().get()), 0);
    await assertAccessible(page, 'account, a passkey refused for its password');
    await refusedField.fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(/\/account$/);
    assert.match(await page.getByRole('status').innerText(), /Passkey “Test laptop” added\./);
    assert.match(await page.locator('.passkey-list').innerText(), /Test laptop/);
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM passkeys').pluck().get()), 1);
    await assertAccessible(page, 'account with a passkey');
    await screenshot(page, 'passkeys-account-phone');
    // Renaming is a plain form, with its error beside the field.
    await page.getByRole('link', { name: 'Rename Test laptop' }).click();
    await page.getByLabel('Name').fill('');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText(/Enter a name of 1 to 60 characters/).waitFor();
    await assertAccessible(page, 'rename passkey, with an error');
    await page.getByLabel('Name').fill('Work laptop');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.waitForURL(/\/account$/);
    assert.match(await page.locator('.passkey-list').innerText(), /Work laptop/);

    await openMenu(page);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL(/\/login$/);
    await assertAccessible(page, 'login with the passkey button');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(/\/dashboard$/);
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM passkeys WHERE last_used_at IS NOT NULL').pluck().get()), 1);
    assert.deepEqual(violations, []);
    await page.close();

    // No script: no passkey button (it could not work), and the password form signs in as before.
    const plain = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const noScript = await plain.newPage();
    await noScript.goto(`${base}/login`);
    assert.equal(await noScript.getByRole('button', { name: 'Sign in with a passkey' }).isVisible(), false);
    await noScript.getByLabel('Email').fill('lee@example.com');
    await noScript.getByLabel('Password').fill(TEST_PASSWORD);
    await noScript.getByRole('button', { name: 'Log in' }).click();
    await noScript.waitForURL(/\/dashboard$/);
    // Nor is a passkey offered on the account page: its form would post to an endpoint that answers the script.
    await noScript.goto(`${base}/account`);
    assert.equal(await noScript.getByRole('button', { name: 'Add a passkey' }).isVisible(), false);
    assert.equal(await noScript.getByLabel('Name for the new passkey').isVisible(), false);
    // The header's focus ring stands out from the header (WCAG's 3:1 for focus indicators), in the light theme too.
    await noScript.emulateMedia({ colorScheme: 'light' });
    // (The first place in the header a keyboard reaches: the brand, at every width.)
    await noScript.locator('.site-header a').first().focus();
    const ring = await noScript.evaluate(() => {
      const g = globalThis as unknown as { document: { activeElement: unknown; querySelector: (s: string) => unknown }; getComputedStyle: (el: unknown) => { outlineColor: string; outlineStyle: string; backgroundColor: string } };
      const style = g.getComputedStyle(g.document.activeElement);
      return { ring: style.outlineColor, style: style.outlineStyle, header: g.getComputedStyle(g.document.querySelector('.site-header')).backgroundColor };
    });
    assert.equal(ring.style, 'solid');
    assert.ok(contrast(ring.ring, ring.header) >= 3, `focus ring ${ring.ring} on the header ${ring.header}: ${contrast(ring.ring, ring.header).toFixed(2)}:1`);
    await plain.close();
  });

  test('a passkey sign-in that fails with no field at fault leaves focus on its button, enabled, with the reason shown', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    // The server cannot start the ceremony (here: an answer arranged to fail); the reason is said, focus is not lost.
    await page.route('**/login/passkey/options', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'Passkeys are resting; use your password.' }) }),
    );
    await page.goto(`${base}/login`);
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.click();
    await page.getByRole('alert').filter({ hasText: 'Passkeys are resting; use your password.' }).waitFor();
    assert.equal(await button.isEnabled(), true);
    await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName === 'BUTTON');
    assert.equal(await button.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement), true, 'focus is back on the button, not the page');
    await page.close();
  });
});
