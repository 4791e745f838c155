import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

describe('date fields show the focus ring', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  for (const scheme of ['light', 'dark'] as const) {
    test(`${scheme}: a date field, tabbed into or clicked, has the app's 3 px ring around it, as a text field has`, async () => {
      const page = await registerInBrowser(web, `date-focus-${scheme}@example.com`);
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${web.baseUrl}/transactions/new`);
      await page.getByLabel('Amount').focus();
      await page.keyboard.press('Tab');
      const ring = await page.evaluate(() => {
        const win = globalThis as unknown as {
          document: { activeElement: { id: string } | null; querySelector(s: string): unknown };
          getComputedStyle(el: unknown): { outlineStyle: string; outlineWidth: string; outlineColor: string };
        };
        const style = win.getComputedStyle(win.document.querySelector('#tx-date'));
        return { focused: win.document.activeElement?.id, style: style.outlineStyle, width: style.outlineWidth, colour: style.outlineColor };
      });
      assert.equal(ring.focused, 'tx-date');
      assert.equal(ring.style, 'solid', JSON.stringify(ring));
      assert.equal(ring.width, '3px');
      // Clicked: a text field shows the ring then too (it takes typing), and so must a date field, whose typing goes to
      // its day, month and year parts inside it.
      await page.getByLabel('Description').click();
      await page.getByLabel('Date', { exact: true }).click();
      const clicked = await page.evaluate(() => {
        const win = globalThis as unknown as { document: { querySelector(s: string): unknown }; getComputedStyle(el: unknown): { outlineStyle: string; outlineWidth: string } };
        const style = win.getComputedStyle(win.document.querySelector('#tx-date'));
        return `${style.outlineStyle} ${style.outlineWidth}`;
      });
      assert.equal(clicked, 'solid 3px');
      await screenshot(page, `date-focus-${scheme}`);
    });
  }
});
