import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { TEST_PASSWORD } from '../helpers/app.ts';
import { assertAccessible, browserAvailability, openMenu, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

describe('two-factor sign-in in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp({ REGISTRATION: 'invite' });

  test('a person turns on two-factor by typing the key the page shows into their "app", signs out, and signs in with a code', async () => {
    const page = await registerInBrowser(web, 'kim@example.com', { width: 375, height: 800 });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${web.baseUrl}/account`);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
    assert.ok(await page.locator('.qr svg').isVisible(), 'the QR code is drawn');
    await assertAccessible(page, 'two-factor set-up');
    await screenshot(page, 'security-two-factor-setup-phone');
    // What a person would type into their authenticator app: the key as the page writes it, in groups.
    const typedKey = (await page.locator('#totp-key').innerText()).replace(/\s/g, '');
    const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(typedKey) });
    const now = () => web.ctx.clock.now();
    await page.getByLabel(/Enter the code the app shows now/).fill(app.generate({ timestamp: now() }));
    await page.getByLabel(/Your password, to confirm/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    assert.equal(await page.locator('.recovery-codes li').count(), 10);
    await assertAccessible(page, 'recovery codes');
    await screenshot(page, 'security-recovery-codes-phone');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.waitForURL(/\/account$/);
    assert.match(await page.locator('main').innerText(), /Recovery codes left: 10\./);
    await assertAccessible(page, 'account with two-factor on');

    // Sign out, then in: the password, then the code page, then the dashboard.
    await openMenu(page);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL(/\/login$/);
    await page.getByLabel('Email').fill('kim@example.com');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Enter your sign-in code' }).waitFor();
    await assertAccessible(page, 'code page');
    await screenshot(page, 'security-code-page-phone');
    // Nothing else opens meanwhile.
    await page.goto(`${web.baseUrl}/transactions`);
    assert.match(page.url(), /\/login/);
    await page.goto(`${web.baseUrl}/login/code`);
    web.ctx.clock.advance(30_000);
    await page.getByLabel('Code').fill(app.generate({ timestamp: now() }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard$/);

    // A visitor on an instance that is by invitation sees why there is no form.
    const visitor = await web.browser.newPage({ viewport: { width: 375, height: 800 } });
    await visitor.goto(`${web.baseUrl}/register`);
    assert.match(await visitor.locator('main').innerText(), /Sign-up on this server is by invitation/);
    assert.equal(await visitor.locator('form[action="/register"]').count(), 0);
    await assertAccessible(visitor, 'register, by invitation');
    await visitor.close();
    assert.deepEqual(violations, []);
    await page.close();
  });
});
