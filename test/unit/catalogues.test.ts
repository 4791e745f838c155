/**
 * Guards that keep the languages complete: the same keys in every catalogue, the CLDR plural forms each language
 * needs, the same placeholders and markup, no unused keys, no key used that no catalogue has, and no visible text
 * written straight into a template.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { LANGUAGES } from '../../src/domain/languages.ts';
import { catalogue } from '../helpers/pages.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

type Catalogue = Record<string, string>;
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

const catalogues = Object.fromEntries(LANGUAGES.map((language) => [language, catalogue(language)])) as Record<(typeof LANGUAGES)[number], Catalogue>;

/** Keys by their base (plural forms folded together), each with the plural categories it has (empty when not plural). */
function bases(catalogue: Catalogue): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const key of Object.keys(catalogue)) {
    const plural = PLURAL_SUFFIX.exec(key);
    const base = plural ? key.slice(0, plural.index) : key;
    const forms = out.get(base) ?? new Set<string>();
    if (plural) forms.add(plural[1]!);
    out.set(base, forms);
  }
  return out;
}

/** Every value of a base key (all its plural forms). */
function valuesOf(catalogue: Catalogue, base: string): string[] {
  return Object.entries(catalogue)
    .filter(([key]) => key === base || (key.startsWith(`${base}_`) && PLURAL_SUFFIX.test(key) && key.replace(PLURAL_SUFFIX, '') === base))
    .map(([, value]) => value);
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([\w]+)(?:\s*,\s*(\w+))?\s*\}\}/g)].map((m) => `${m[1]}${m[2] ? `,${m[2]}` : ''}`);
const markup = (text: string) => [...text.matchAll(/<[^>]+>/g)].map((m) => m[0]);

function filesUnder(folder: string, extension: string): string[] {
  return readdirSync(path.join(REPO_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const sources = [...filesUnder('src', '.ts'), ...filesUnder('views', '.ejs')].map((file) => ({ file, text: readFileSync(file, 'utf8') }));
const english = bases(catalogues.en);
const namespaces = new Set([...english.keys()].map((key) => key.split('.')[0]!));

/** Every quoted string in our code and templates that names a catalogue key (its first part is a namespace). */
const usedKeys = new Map<string, string>();
for (const { file, text } of sources) {
  // Audit-log event names (`event: 'account.deleted'`) look like keys but are not text for people.
  for (const m of text.matchAll(/(?<!event: )['"`]([a-zA-Z][\w]*(?:\.[\w]+)+)['"`]/g)) {
    if (namespaces.has(m[1]!.split('.')[0]!)) usedKeys.set(m[1]!, path.relative(REPO_ROOT, file));
  }
}

describe('the catalogues', () => {
  for (const language of LANGUAGES) {
    test(`${language} has every key of the English catalogue and no other, with the plural forms ${language} needs`, () => {
      const mine = bases(catalogues[language]);
      assert.deepEqual([...mine.keys()].filter((key) => !english.has(key)), [], 'keys only in this catalogue');
      assert.deepEqual([...english.keys()].filter((key) => !mine.has(key)), [], 'keys missing from this catalogue');
      const needed = new Intl.PluralRules(language).resolvedOptions().pluralCategories.slice().sort();
      for (const [base, forms] of mine) {
        const plural = english.get(base)!.size > 0;
        if (plural) assert.deepEqual([...forms].sort(), needed, `${language} ${base}: plural forms`);
        else assert.equal(forms.size, 0, `${language} ${base} is plural here but not in English`);
      }
    });

    test(`${language} uses the same placeholders and markup as English in every entry, and no empty entry`, () => {
      for (const base of english.keys()) {
        const theirs = valuesOf(catalogues[language], base);
        const ours = valuesOf(catalogues.en, base);
        for (const value of theirs) assert.notEqual(value.trim(), '', `${language} ${base} is empty`);
        const names = (values: string[]) => [...new Set(values.flatMap(placeholders))].sort();
        assert.deepEqual(names(theirs), names(ours), `${language} ${base}: placeholders`);
        const tags = (values: string[]) => [...new Set(values.flatMap(markup))].sort();
        assert.deepEqual(tags(theirs), tags(ours), `${language} ${base}: markup`);
        // Markup is only for entries shown with tHtml, which escapes the values put into them.
        if (!base.endsWith('Html')) assert.deepEqual(tags(theirs), [], `${language} ${base} holds markup but its key does not end in Html`);
      }
    });
  }

  // A plural form that stands for more than one number (Ukrainian "one" is also 21, 31, 101...) must say the number:
  // "Застосувати цю зміну" on a button that applies 21 changes is wrong. Entries whose count never reaches such a
  // number may leave it out.
  const BOUNDED_COUNTS: Readonly<Record<string, string>> = {
    'form.fixFields': 'the fields of one form, fewer than 21',
    'form.fixFieldsNothingSaved': 'the fields of one form, fewer than 21',
    'account.password.fixFields': 'the three fields of the password form',
    'import.map.fixSettings': 'the settings of the mapping form, fewer than 21',
    'import.map.previewHint': 'the preview shows at most 10 rows',
    'import.statement.previewHint': 'the preview shows at most 10 entries',
  };
  for (const language of LANGUAGES) {
    test(`${language}: every plural form that stands for several numbers says the number`, () => {
      const rules = new Intl.PluralRules(language);
      const manyNumbers = new Set(['other']);
      for (let n = 2; n <= 200; n++) manyNumbers.add(rules.select(n));
      const silent: string[] = [];
      for (const [base, forms] of bases(catalogues[language])) {
        if (base in BOUNDED_COUNTS) continue;
        const other = catalogues[language][`${base}_other`];
        if (other === undefined || !/\{\{\s*count\b/.test(other)) continue;
        for (const form of forms) {
          const text = catalogues[language][`${base}_${form}`]!;
          if (manyNumbers.has(form) && !/\{\{\s*count\b/.test(text)) silent.push(`${base}_${form}`);
        }
      }
      assert.deepEqual(silent, []);
    });
  }

  test('no Ukrainian entry is its English entry copied over', () => {
    const copied = Object.entries(catalogues.uk)
      .filter(([key, value]) => catalogues.en[key] === value)
      .filter(([, value]) => /[a-z]{3}/i.test(value.replace(/\{\{[^}]*\}\}|<[^>]+>/g, '')))
      .map(([key]) => key);
    assert.deepEqual(copied, []);
  });

  test('every key is used somewhere in src/ or views/', () => {
    const unused = [...english.keys()].filter((key) => !usedKeys.has(key));
    assert.deepEqual(unused, [], 'keys no code or template uses');
  });

  test('every key the code and templates name is in the catalogue', () => {
    const missing = [...usedKeys].filter(([key]) => !english.has(key)).map(([key, file]) => `${key} (${file})`);
    assert.deepEqual(missing, []);
  });
});

/** Text a brand or a technical token may show as it is, in any language. */
const ALLOWED_LITERALS = new Set(['Ledgerly']);

/** Visible text written into a template (not produced by its code): text between tags and visible attributes. */
function literalTextIn(template: string): string[] {
  const found: string[] = [];
  const markupOnly = template.replace(/<%[\s\S]*?%>/g, ' ');
  for (const m of markupOnly.replace(/<[^>]*>/g, '\n').matchAll(/[^\n]+/g)) {
    const words = m[0].trim();
    if (/\p{L}/u.test(words) && !ALLOWED_LITERALS.has(words)) found.push(`text "${words}"`);
  }
  for (const m of markupOnly.matchAll(/\s(aria-label|title|placeholder|alt|label)="([^"]*)"/g)) {
    if (/\p{L}/u.test(m[2]!)) found.push(`${m[1]}="${m[2]!.trim()}"`);
  }
  return found;
}

describe('the templates', () => {
  const templates = sources.filter(({ file }) => file.endsWith('.ejs'));

  test('hold no visible text outside the translation call', () => {
    const found = templates.flatMap(({ file, text }) => literalTextIn(text).map((what) => `${path.relative(REPO_ROOT, file)}: ${what}`));
    assert.deepEqual(found, []);
  });

  test('output unescaped HTML only from includes, catalogue entries made for it (tHtml), the chart writer and the form markup', () => {
    const raw: string[] = [];
    for (const { file, text } of templates) {
      for (const m of text.matchAll(/<%-\s*([\s\S]*?)%>/g)) {
        // partials/raw-svg writes an SVG our own code drew (the QR code), never text from people.
        if (file.endsWith(path.join('partials', 'raw-svg.ejs')) && m[1]!.trim() === 'svg') continue;
        // csrfField and fieldError (web/form-markup.ts) escape what they write themselves.
        if (!/^(include\(|tHtml\(|chart\(|csrfField\(\) $|fieldError\()/.test(m[1]!)) raw.push(`${path.relative(REPO_ROOT, file)}: <%- ${m[1]!.trim()} %>`);
      }
    }
    assert.deepEqual(raw, []);
  });

  test('the literal-text guard finds text and visible attributes, and passes translated ones', () => {
    const sample = '<p>Hello <%= t("x") %></p><input placeholder="Type here" aria-label="<%= t(\'y\') %>"><span><%= x %></span>Ledgerly';
    assert.deepEqual(literalTextIn(sample), ['text "Hello"', 'placeholder="Type here"']);
  });
});
