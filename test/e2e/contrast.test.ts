import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

/** WCAG contrast ratio of two computed rgb()/rgba() colours (opaque ones: these are). */
function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((n) => {
      const c = Number(n) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('form field contrast, from the computed styles, in both themes', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  for (const scheme of ['light', 'dark'] as const) {
    test(`${scheme}: field borders are at least 3:1 against the card, the page and the field; placeholders at least 4.5:1`, async () => {
      const page = await registerInBrowser(web, `contrast-${scheme}@example.com`);
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${web.baseUrl}/transactions/new`);
      const colours = await page.evaluate(() => {
        const win = globalThis as unknown as {
          document: { querySelector(s: string): { closest(s: string): unknown } | null; body: unknown };
          getComputedStyle(el: unknown, pseudo?: string): { borderTopColor: string; backgroundColor: string; color: string };
        };
        const input = win.document.querySelector('#tx-description')!;
        const field = win.getComputedStyle(input);
        return {
          border: field.borderTopColor,
          field: field.backgroundColor,
          placeholder: win.getComputedStyle(input, '::placeholder').color,
          card: win.getComputedStyle(input.closest('.card')).backgroundColor,
          page: win.getComputedStyle(win.document.body).backgroundColor,
        };
      });
      for (const against of ['card', 'page', 'field'] as const) {
        const ratio = contrast(colours.border, colours[against]);
        assert.ok(ratio >= 3, `${scheme}: border ${colours.border} against the ${against} ${colours[against]} is ${ratio.toFixed(2)}:1`);
      }
      const placeholder = contrast(colours.placeholder, colours.field);
      assert.ok(placeholder >= 4.5, `${scheme}: placeholder ${colours.placeholder} on ${colours.field} is ${placeholder.toFixed(2)}:1`);
      await screenshot(page, `contrast-fields-${scheme}`);
    });
  }
});
