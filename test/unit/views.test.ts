/**
 * Views compile without `with` (src/web/views.ts): the rewritten template prints what EJS's own `with` version prints,
 * every template in views/ compiles in strict mode, and development still shows an edited template at once.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ejs from 'ejs';
import fc from 'fast-check';
import { createViewEngine, templateLocalNames, withoutWith } from '../../src/web/views.ts';
import { escapeHtml } from '../../src/web/escape.ts';
import { csrfFieldMarkup, fieldErrorMarkupFor } from '../../src/web/form-markup.ts';
import { msg, type MessageKey, type Msg, type Translate } from '../../src/web/i18n.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

/** What stock EJS (with `with`) prints, and what the rewritten template prints in strict mode. */
function both(source: string, data: Record<string, unknown>): { stock: string; rewritten: string } {
  return {
    stock: ejs.render(source, data),
    rewritten: (ejs.compile(withoutWith(source), { strict: true }) as ejs.TemplateFunction)(data),
  };
}

test('a template prints the same without `with` as with it', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['<p><%= name %></p>', { name: '<b>Tea & "cake"</b>' }],
    ['<% for (const r of rows) { %><li><%= r.label %>: <%- money(r.cents) %></li>\n<% } %>', { rows: [{ label: 'a', cents: 5 }, { label: 'b<', cents: 12 }], money: (c: number) => (c / 100).toFixed(2) }],
    // A template's own top-level const of a name it also reads from the locals elsewhere: shadowed, not a clash.
    ['<% const shown = locals.limit || 20; %><%= shown %>/<%= limit %>', { limit: 3 }],
    ['<% const shown = locals.limit || 20; %><%= shown %>', {}],
    // A name that is not a local reads undefined, as `typeof` expects under `with`.
    ["<%= typeof missing === 'undefined' ? 'none' : missing %>", {}],
    // Built-ins are the real ones, even beside a local that is not one; a spread still reads its local.
    ["<%= Math.max(...values) %> <%= encodeURIComponent('a b') %> <%= JSON.stringify({ a: 1 }) %>", { values: [3, 9, 4] }],
    ["<%# a comment naming nothing %><%% literal %><%= t('x.y', { count: n }) %>", { t: (key: string, v: { count: number }) => `${key}=${v.count}`, n: 2 }],
    ['<%_ if (flag) { _%>\n  yes\n<%_ } else { -%>\n  no\n<%_ } _%>', { flag: true }],
  ];
  for (const [source, data] of cases) {
    const { stock, rewritten } = both(source, data);
    assert.equal(rewritten, stock, source);
  }
});

test('the names a template may take: identifiers of its code, not property names, words, built-ins or comments', () => {
  assert.deepEqual(
    templateLocalNames("<%# hidden %><% for (const o of upcoming.occurrences) { %><%= o.type === 'income' ? money.formatCents(o.amountCents) : label %><% } %><%- include('/partials/csrf') %><%= Math.abs(x) %><%= [...more] %>"),
    // Words inside strings are taken too ('income', and 'partials' and 'csrf' from the include's path), and so is the
    // contextual keyword `of`, which may name a variable: harmless, they read undefined. Reading strings apart would
    // risk missing a real name after a quote inside a template literal.
    ['csrf', 'income', 'label', 'money', 'more', 'o', 'of', 'partials', 'upcoming', 'x'],
  );
  // Never a reserved word, which a `var` cannot declare.
  assert.deepEqual(templateLocalNames("<%= t('new default class') %>"), ['t']);
});

test('every view in views/ compiles in strict mode once rewritten', () => {
  const views = path.join(REPO_ROOT, 'views');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith('.ejs')) files.push(file);
    }
  };
  walk(views);
  assert.ok(files.length > 30, `found ${files.length} views`);
  for (const file of files) {
    assert.doesNotThrow(() => ejs.compile(withoutWith(readFileSync(file, 'utf8')), { strict: true, filename: file, root: views }), file);
  }
});

test('the engine renders includes, keeps compiled views when caching, and shows an edit at once when not', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'ledgerly-views-'));
  try {
    mkdirSync(path.join(root, 'partials'));
    writeFileSync(path.join(root, 'page.ejs'), "<h1><%= title %></h1><%- include('/partials/note', { text: 'hi' }) %>");
    writeFileSync(path.join(root, 'partials/note.ejs'), '<p><%= text %> <%= title %></p>');
    const render = (engine: ReturnType<typeof createViewEngine>) =>
      new Promise<string>((resolve, reject) => engine(path.join(root, 'page.ejs'), { title: 'T<' }, (err, html) => (err ? reject(err) : resolve(html ?? ''))));

    const development = createViewEngine({ root, cache: false });
    assert.equal(await render(development), '<h1>T&lt;</h1><p>hi T&lt;</p>');
    writeFileSync(path.join(root, 'partials/note.ejs'), '<p>edited <%= text %></p>');
    assert.equal(await render(development), '<h1>T&lt;</h1><p>edited hi</p>', 'development reads the edited include');

    const production = createViewEngine({ root, cache: true });
    assert.equal(await render(production), '<h1>T&lt;</h1><p>edited hi</p>');
    writeFileSync(path.join(root, 'partials/note.ejs'), '<p>later <%= text %></p>');
    assert.equal(await render(production), '<h1>T&lt;</h1><p>edited hi</p>', 'production keeps what it compiled');

    writeFileSync(path.join(root, 'broken.ejs'), '<%= nope( %>');
    await assert.rejects(
      new Promise<string>((resolve, reject) => production(path.join(root, 'broken.ejs'), {}, (err, html) => (err ? reject(err) : resolve(html ?? '')))),
      SyntaxError,
      'a template that does not compile is an error for Express to answer, not a thrown exception',
    );
  } finally {
    ejs.clearCache();
    rmSync(root, { recursive: true, force: true });
  }
});

test("an include sees the page's locals and its own, leaves the page's alone, nests, and must name its view from views/", async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'ledgerly-views-'));
  try {
    mkdirSync(path.join(root, 'partials'));
    // The page's `title` is shadowed inside the include only; the include's include sees both pages' locals.
    writeFileSync(
      path.join(root, 'page.ejs'),
      "<%= title %>|<%- include('/partials/outer', { title: 'inner', extra: 1 }) %>|<%= title %>|<%= typeof extra %>|<%- include('/partials/plain') %>",
    );
    writeFileSync(path.join(root, 'partials/outer.ejs'), "[<%= title %> <%= extra %> <%= user %> <%- include('/partials/leaf.ejs', { leaf: 'L' }) %>]");
    writeFileSync(path.join(root, 'partials/leaf.ejs'), '(<%= leaf %> <%= title %> <%= user %> <%= locals.extra %>)');
    writeFileSync(path.join(root, 'partials/plain.ejs'), '{<%= title %> <%= typeof leaf %>}');
    writeFileSync(path.join(root, 'relative.ejs'), "<%- include('partials/leaf') %>");
    const engine = createViewEngine({ root, cache: true });
    const render = (file: string, data: object) =>
      new Promise<string>((resolve, reject) => engine(path.join(root, file), data, (err, html) => (err ? reject(err) : resolve(html ?? ''))));
    const data = { title: 'page', user: 'Ann<' };
    assert.equal(await render('page.ejs', data), 'page|[inner 1 Ann&lt; (L inner Ann&lt; 1)]|page|undefined|{page undefined}');
    assert.equal(data.title, 'page', "the page's own object keeps its values");
    await assert.rejects(render('relative.ejs', {}), /name the view from views\//);
  } finally {
    ejs.clearCache();
    rmSync(root, { recursive: true, force: true });
  }
});

test('the form markup escapes what it writes, and a field without a message gets nothing', () => {
  const t = ((text: MessageKey | Msg) => (typeof text === 'string' ? text : `${text.key}: ${String(text.values?.name)}`)) as Translate;
  const fieldError = fieldErrorMarkupFor(t);
  assert.equal(fieldError('tx-amount', undefined), '');
  assert.equal(fieldError('tx-amount', null), '');
  assert.equal(
    fieldError('tx-"x', msg('categories.errors.duplicate' as MessageKey, { name: '<img src=x onerror=alert(1)>' })),
    '<p class="field__error" id="tx-&#34;x-error"><span aria-hidden="true">\u26a0 </span>categories.errors.duplicate: &lt;img src=x onerror=alert(1)&gt;</p>',
  );
  assert.equal(csrfFieldMarkup('a"b<'), '<input type="hidden" name="_csrf" value="a&#34;b&lt;">');
});

test("the views' escaper writes exactly what EJS's own does, for any text and any value", () => {
  const escapeXML = (ejs as unknown as { escapeXML: (v: unknown) => string }).escapeXML;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: fc.constantFrom('a', ' ', '&', '<', '>', '"', "'", 'é', '₴', '\u{1F600}', ';', '#') }),
        fc.string({ unit: 'grapheme' }),
        fc.integer(),
        fc.double(),
        fc.constantFrom(null, undefined, true, 0, -0, '', 'a&b', '&', '"\'<>'),
      ),
      (value) => assert.equal(escapeHtml(value), escapeXML(value), JSON.stringify(value)),
    ),
    { numRuns: 2_000 },
  );
  // And the views use it: a hostile value is written escaped.
  const rendered = (ejs.compile(withoutWith('<p title="<%= v %>"><%= v %></p>'), { strict: true, escape: escapeHtml }) as ejs.TemplateFunction)({ v: `<img src=x onerror="alert('1')">&` });
  assert.equal(rendered, '<p title="&lt;img src=x onerror=&#34;alert(&#39;1&#39;)&#34;&gt;&amp;">&lt;img src=x onerror=&#34;alert(&#39;1&#39;)&#34;&gt;&amp;</p>');
});
