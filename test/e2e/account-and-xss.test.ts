import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addTransaction, registerUser, TEST_PASSWORD } from '../helpers/app.ts';
import { assertAccessible, browserAvailability, screenshot, useBrowserApp } from '../helpers/browser.ts';
import { logInAgent } from '../helpers/security.ts';

const availability = browserAvailability();
const NEW_PASSWORD = 'a brand new passphrase';
const XSS_PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '</td></tr></table><script>alert(1)</script>',
  '<a href="javascript:alert(1)">click</a>',
];

describe('the account page and stored payloads in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('a person changes the password and logs out other sessions by the labels, and the page passes axe', async () => {
    await registerUser(web.ctx.app, 'ann@example.com');
    await logInAgent(web.ctx.app, 'ann@example.com', TEST_PASSWORD);
    const phone = await logInAgent(web.ctx.app, 'ann@example.com', TEST_PASSWORD);
    const page = await web.browser.newPage();
    await page.goto(`${web.baseUrl}/login`);
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(/\/account$/);
    assert.match(await page.locator('main').innerText(), /also signed in on 3 other devices/);
    await assertAccessible(page, 'account page');

    await page.getByLabel('Current password').fill('not the password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('That is not your current password.').waitFor();
    await screenshot(page, 'account-password-error');

    await page.getByLabel('Current password').fill(TEST_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    assert.match(await page.locator('main').innerText(), /only device signed in/);
    await screenshot(page, 'account-page');
    assert.equal((await phone.get('/dashboard')).status, 303, 'the other session ended');
    await page.close();
  });

  test('stored script and HTML payloads run nothing on the dashboard and the list, and show as text', async () => {
    const agent = await registerUser(web.ctx.app, 'mallory@example.com');
    for (const payload of XSS_PAYLOADS) await addTransaction(agent, { amount: '2.00', description: payload });
    const page = await web.browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${web.baseUrl}/login`);
    await page.getByLabel('Email').fill('mallory@example.com');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/dashboard$/);
    for (const path of ['/dashboard', '/transactions']) {
      await page.goto(`${web.baseUrl}${path}`);
      await page.waitForLoadState('load');
      const text = await page.locator('main').innerText();
      assert.ok(text.includes('<script>alert(1)</script>'), `${path} shows the payload as text`);
      assert.equal(await page.locator('main img[src="x"], main svg[onload], main script').count(), 0, `${path} has injected elements`);
    }
    await screenshot(page, 'attack-xss-transactions');
    assert.deepEqual(dialogs, []);
    await page.close();
  });
});
