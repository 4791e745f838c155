/**
 * Every page and every message in both languages: Ukrainian pages for a person whose browser asks for Ukrainian,
 * English ones otherwise, the language setting on /account, the switch on the login page, and formats that follow
 * the person. Each page is checked for missing keys, its lang attribute, English left on a Ukrainian page, and
 * (all pages at once) by the Nu Html Checker.
 */
import assert from 'node:assert/strict';
import { ofx1 } from '../helpers/statement-fixtures.ts';
import * as OTPAuth from 'otpauth';
import { describe, test } from 'node:test';
import { LANGUAGES } from '../../src/domain/languages.ts';
import { migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations.ts';
import { openDatabase } from '../../src/db/open.ts';
import { MISSING_KEY_MARK } from '../../src/web/i18n.ts';
import { agentFor, registerUser, createTestContext, csrfFrom, TEST_PASSWORD, tokenFor, type Agent, type TestContext } from '../helpers/app.ts';
import { createFinishedImport } from '../helpers/attack.ts';
import { nuCheckerErrors } from '../helpers/nu-checker.ts';
import { englishPhrases, readableText } from '../helpers/pages.ts';
import { listRoutes } from '../helpers/routes.ts';

type Language = (typeof LANGUAGES)[number];
const ENGLISH_PHRASES = englishPhrases();

/** Every page rendered by the tests below, for the one Nu checker run at the end. */
const rendered: { name: string; html: string }[] = [];
/** Which GET route patterns were rendered, to prove every page was. */
const visitedRoutes = new Set<string>();

/** Checks a page is wholly in `language`, and keeps it for the Nu checker. */
function assertSpeaks(language: Language, name: string, html: string): void {
  assert.match(html, new RegExp(`<html lang="${language}">`), `${name}: lang attribute`);
  assert.ok(!html.includes(MISSING_KEY_MARK), `${name}: a missing key: ${html.slice(html.indexOf(MISSING_KEY_MARK), html.indexOf(MISSING_KEY_MARK) + 80)}`);
  if (language === 'uk') {
    const text = readableText(html);
    const english = ENGLISH_PHRASES.filter((phrase) => text.includes(phrase));
    assert.deepEqual(english, [], `${name}: English sentences on a Ukrainian page`);
  }
  rendered.push({ name: `${language}-${name}`, html });
}

/** GETs a page, checks it speaks the language, and returns its HTML. */
async function page(agent: Agent, language: Language, url: string, route: string, expectStatus = 200): Promise<string> {
  const res = await agent.get(url);
  assert.equal(res.status, expectStatus, `${url}: status`);
  assert.equal(res.headers['content-language'], language, `${url}: Content-Language`);
  assertSpeaks(language, url, res.text);
  visitedRoutes.add(route);
  return res.text;
}

/** A form post whose answer (the page, or the page it redirects to with its flash message) must speak the language. */
async function post(agent: Agent, language: Language, formPage: string, action: string, fields: Record<string, string | string[]>, expectStatus: number) {
  const token = await tokenFor(agent, formPage);
  const res = await agent.post(action).type('form').send({ _csrf: token, ...fields });
  assert.equal(res.status, expectStatus, `${action}: status`);
  if (expectStatus === 303) {
    const next = await agent.get(res.headers.location!);
    assertSpeaks(language, `${action} then ${res.headers.location}`, next.text);
    return next.text;
  }
  assertSpeaks(language, `${action} (${expectStatus})`, res.text);
  return res.text;
}

/** A browser that asks for `language` (Ukrainian through Accept-Language; English by asking for nothing we speak but it). */
function browser(ctx: TestContext, language: Language): Agent {
  const agent = agentFor(ctx.app);
  return language === 'uk' ? agent.set('Accept-Language', 'uk-UA,uk;q=0.9,en;q=0.5') : agent.set('Accept-Language', 'en-GB,en;q=0.8');
}

/** The expected words of a few pages, to show the check above is not only "no English". */
const WORDS: Record<Language, { dashboard: string; balance: string; login: string; register: string; added: string; currency: RegExp }> = {
  en: { dashboard: 'Dashboard', balance: 'Net', login: 'Log in', register: 'Create account', added: 'Expense added.', currency: /\$1,234\.50/ },
  uk: { dashboard: 'Огляд', balance: 'Сальдо', login: 'Увійти', register: 'Зареєструватися', added: 'Витрату додано.', currency: /1\u00a0234,50\u00a0USD/ },
};

for (const language of LANGUAGES) {
  describe(`every page in ${language === 'en' ? 'English' : 'Ukrainian'}`, () => {
    test('signed out: login, registration, their errors, and the pages that need a login', async (t) => {
      const ctx = createTestContext({}, { rateLimits: { loginPerIpAndEmail: { limit: 2, windowMs: 60_000 } } });
      t.after(() => ctx.cleanup());
      const agent = browser(ctx, language);
      const login = await page(agent, language, '/login', '/login');
      assert.match(login, new RegExp(`<h1>${WORDS[language].login}</h1>`));
      await page(agent, language, '/register', '/register');
      await post(agent, language, '/register', '/register', { email: 'not-an-email', password: 'short', confirmPassword: 'other' }, 422);
      await post(agent, language, '/login', '/login', { email: 'nobody@example.com', password: 'wrong password' }, 401);
      await post(agent, language, '/login', '/login', { email: 'nobody@example.com', password: 'wrong password' }, 401);
      // The third try is over the limit: the 429 page says how long to wait, in the language.
      await post(agent, language, '/login', '/login', { email: 'nobody@example.com', password: 'wrong password' }, 429);
      const redirected = await agent.get('/dashboard');
      assert.equal(redirected.status, 303);
      await page(agent, language, '/no-such-page', '(404)', 404);
      const forged = await agent.post('/login').type('form').send({ _csrf: 'forged', email: 'a@example.com', password: 'x' });
      assert.equal(forged.status, 403);
      assertSpeaks(language, 'forged form (403)', forged.text);
      const huge = await agent.post('/login').type('form').send({ email: 'x'.repeat(20_000) });
      assert.equal(huge.status, 413);
      assertSpeaks(language, 'oversized form (413)', huge.text);
    });

    test('sign-up closed or by invitation: the page says so, in the language', async (t) => {
      for (const mode of ['closed', 'invite'] as const) {
        const ctx = createTestContext({ REGISTRATION: mode });
        t.after(() => ctx.cleanup());
        await registerUser(ctx.app, 'owner@example.com');
        const agent = browser(ctx, language);
        const closed = await page(agent, language, '/register', '/register');
        assert.doesNotMatch(closed, /action="\/register"/);
        await page(agent, language, '/register?invite=made-up', '/register');
      }
    });

    test('signed in: every page with data, every form error and every message after an action', async (t) => {
      // PUBLIC_URL set, so the account page has its passkeys section and the passkey pages exist.
      const ctx = createTestContext({ PUBLIC_URL: 'http://localhost:3000' });
      t.after(() => ctx.cleanup());
      const agent = browser(ctx, language);
      const token = csrfFrom((await agent.get('/register')).text);
      const registered = await agent.post('/register').type('form').send({ _csrf: token, email: `${language}@example.com`, password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
      assert.equal(registered.status, 303);
      const dashboard = await page(agent, language, '/dashboard', '/dashboard'); // with the welcome message
      assert.match(dashboard, new RegExp(`<h1 class="page__title">${WORDS[language].dashboard}</h1>`));
      assert.match(dashboard, new RegExp(`<dt>${WORDS[language].balance}</dt>`));

      // Amounts typed the person's way.
      const amount = language === 'uk' ? '1 234,50' : '1,234.50';
      const added = await post(agent, language, '/transactions/new', '/transactions', { type: 'expense', amount, date: '2026-03-14', description: 'Обід / Lunch', category: '' }, 303);
      assert.ok(added.includes(WORDS[language].added), 'the flash message after adding');
      assert.match(added, WORDS[language].currency);
      await post(agent, language, '/transactions/new', '/transactions', { type: 'income', amount: '3', date: '', description: '', category: '' }, 303);
      await post(agent, language, '/transactions/new', '/transactions', { type: 'bad', amount: '1.005', date: '2026-02-30', description: '\u0007', category: 'x' }, 422);
      await post(agent, language, '/dashboard', '/transactions', { type: 'expense', amount: '-5', date: '', description: '', category: '', from: 'dashboard' }, 422);

      const id = (ctx.db.prepare('SELECT max(id) AS id FROM transactions').get() as { id: number }).id;
      const expenseId = (ctx.db.prepare("SELECT id FROM transactions WHERE type = 'expense'").get() as { id: number }).id;
      await page(agent, language, '/transactions', '/transactions');
      await page(agent, language, '/transactions?from=2026-13-01&to=bad&type=x&category=abc&q=' + 'й'.repeat(120), '/transactions');
      await page(agent, language, '/transactions?from=2026-03-01&to=2026-02-01', '/transactions');
      await page(agent, language, '/transactions?category=999999', '/transactions');
      await page(agent, language, '/transactions?q=nothing-matches', '/transactions');
      await page(agent, language, '/transactions?after=2000-01-01.1', '/transactions');
      await page(agent, language, '/transactions/new', '/transactions/new');
      const edit = await page(agent, language, `/transactions/${expenseId}/edit`, '/transactions/:id/edit');
      // The edit form shows the amount as this person types it, and saving it back changes nothing.
      assert.match(edit, language === 'uk' ? /value="1234,50"/ : /value="1234.50"/);
      await post(agent, language, `/transactions/${expenseId}/edit`, `/transactions/${expenseId}/edit`, { type: 'expense', amount: language === 'uk' ? '1234,50' : '1234.50', date: '2026-03-14', description: 'x', category: '' }, 303);
      await post(agent, language, `/transactions/${expenseId}/edit`, `/transactions/${expenseId}/edit`, { type: 'income', amount: '', date: '', description: '', category: String((ctx.db.prepare("SELECT id FROM categories WHERE kind = 'expense'").get() as { id: number }).id) }, 422);
      await page(agent, language, `/transactions/${id}/delete`, '/transactions/:id/delete');
      await page(agent, language, '/transactions/999999/edit', '(404)', 404);

      // Bulk actions and their messages.
      const askDelete = await agent.post('/transactions/bulk').type('form').send({ _csrf: await tokenFor(agent, '/transactions'), action: 'delete', ids: [String(id), '999999'], back: '/transactions' });
      assert.equal(askDelete.status, 303);
      await page(agent, language, askDelete.headers.location!, '/transactions/bulk/delete');
      const housing = (ctx.db.prepare("SELECT id FROM categories WHERE kind = 'expense' ORDER BY id").get() as { id: number }).id;
      // An expense category on a selection holding an income asks what to do with it first, on a page of its own.
      const askIncomes = await agent.post('/transactions/bulk').type('form').send({ _csrf: await tokenFor(agent, '/transactions'), action: 'set-category', ids: [String(id), String(expenseId), '999999'], category: String(housing), back: '/transactions' });
      assert.equal(askIncomes.status, 303);
      await page(agent, language, askIncomes.headers.location!, '/transactions/bulk/category');
      await post(agent, language, '/transactions', '/transactions/bulk/category', { ids: [String(id), String(expenseId), '999999'], category: String(housing), incomes: 'keep', back: '/transactions' }, 303);
      await post(agent, language, '/transactions', '/transactions/bulk/category', { ids: [String(id), String(expenseId)], category: String(housing), incomes: 'refund', back: '/transactions' }, 303);
      await post(agent, language, '/transactions', '/transactions/bulk', { action: 'set-category', ids: [String(expenseId)], category: 'none', back: '/transactions' }, 303);
      // The last change undone: asked first, then done, then nothing is left to undo.
      await page(agent, language, '/transactions/bulk/undo', '/transactions/bulk/undo');
      await post(agent, language, '/transactions/bulk/undo', '/transactions/bulk/undo', {}, 303);
      await page(agent, language, '/transactions/bulk/undo', '/transactions/bulk/undo');
      await post(agent, language, '/transactions', '/transactions/bulk/undo', {}, 303);
      await post(agent, language, '/transactions', '/transactions/bulk', { action: 'set-category', ids: [String(expenseId)], category: '', back: '/transactions' }, 422);
      await post(agent, language, '/transactions', '/transactions/bulk', { action: '', ids: [String(expenseId)], back: '/transactions' }, 422);
      await post(agent, language, '/transactions', '/transactions/bulk', { action: 'delete', back: '/transactions' }, 422);
      await post(agent, language, '/transactions', '/transactions/bulk/delete', { ids: [String(id), '999998'], back: '/transactions' }, 303);

      // Dashboard periods.
      await page(agent, language, '/dashboard?period=2026-03', '/dashboard');
      await page(agent, language, '/dashboard?period=2026', '/dashboard');
      await page(agent, language, '/dashboard?period=all', '/dashboard');

      // Accounts.
      const accounts = await page(agent, language, '/accounts', '/accounts');
      assert.match(accounts, new RegExp(language === 'uk' ? 'Основний рахунок' : 'Main account'), 'the starter account speaks the language');
      await post(agent, language, '/accounts', '/accounts', { name: 'Card', kind: 'credit_card', openingBalance: language === 'uk' ? '-1 500,25' : '-1,500.25', openingOn: '2026-01-01' }, 303);
      await post(agent, language, '/accounts', '/accounts', { name: 'card ', kind: 'cash', openingBalance: '', openingOn: '' }, 422);
      await post(agent, language, '/accounts', '/accounts', { name: '', kind: 'vault', openingBalance: '1e3', openingOn: '2026-02-30' }, 422);
      const card = (ctx.db.prepare("SELECT id FROM accounts WHERE name = 'Card'").get() as { id: number }).id;
      const main = (ctx.db.prepare("SELECT min(id) AS id FROM accounts").get() as { id: number }).id;
      await page(agent, language, `/accounts/${card}/edit`, '/accounts/:id/edit');
      await post(agent, language, `/accounts/${card}/edit`, `/accounts/${card}/edit`, { name: 'Visa', kind: 'credit_card', openingBalance: '-10', openingOn: '2026-01-01' }, 303);
      await post(agent, language, `/accounts/${card}/edit`, `/accounts/${card}/edit`, { name: 'x'.repeat(61), kind: 'loan', openingBalance: '', openingOn: '' }, 422);
      await post(agent, language, '/accounts', `/accounts/${card}/move`, { direction: 'up' }, 303);
      await post(agent, language, '/accounts', `/accounts/${card}/move`, { direction: 'sideways' }, 303);
      await post(agent, language, '/accounts', `/accounts/${card}/archive`, {}, 303);
      await post(agent, language, '/accounts', `/accounts/${card}/unarchive`, {}, 303);
      // Transfers and the register with its running balance.
      await page(agent, language, `/transfers/new?from=${main}`, '/transfers/new');
      await post(agent, language, '/transfers/new', '/transfers', { from: String(main), to: String(card), amount: language === 'uk' ? '250,00' : '250.00', date: '2026-03-01', description: 'Погашення / payoff', back: `/accounts/${main}` }, 303);
      await post(agent, language, '/transfers/new', '/transfers', { from: String(main), to: String(main), amount: '0', date: 'bad', description: '' }, 422);
      const transfer = (ctx.db.prepare('SELECT max(id) AS id FROM transfers').get() as { id: number }).id;
      const register = await page(agent, language, `/accounts/${main}`, '/accounts/:id');
      assert.match(register, language === 'uk' ? /На рахунок «Visa»/ : /To Visa/);
      await page(agent, language, `/accounts/${card}?after=2026-03-02.999999`, '/accounts/:id');
      const transfersList = await page(agent, language, `/transfers?account=${card}`, '/transfers');
      assert.match(transfersList, language === 'uk' ? /Основний рахунок <span aria-hidden="true">→<\/span><span class="visually-hidden">на рахунок<\/span> Visa/ : /Main account <span aria-hidden="true">→<\/span><span class="visually-hidden">to<\/span> Visa/);
      assert.match(await page(agent, language, '/transfers?from=2026-02-30&account=abc', '/transfers'), /id="filter-from-error"/);
      await page(agent, language, `/transfers/${transfer}/edit`, '/transfers/:id/edit');
      await post(agent, language, `/transfers/${transfer}/edit`, `/transfers/${transfer}/edit`, { from: String(card), to: String(card), amount: '1', date: '', description: '' }, 422);
      await post(agent, language, `/transfers/${transfer}/edit`, `/transfers/${transfer}/edit`, { from: String(main), to: String(card), amount: '300', date: '2026-03-01', description: '' }, 303);
      await page(agent, language, `/transfers/${transfer}/delete`, '/transfers/:id/delete');
      // Reconciling the card against a statement.
      await page(agent, language, `/accounts/${card}/reconcile`, '/accounts/:id/reconcile');
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile`, { statementOn: '', statementBalance: 'x' }, 422);
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile`, { statementOn: '2026-03-31', statementBalance: '-1' }, 303);
      const leg = String(ctx.db.prepare("SELECT id FROM transactions WHERE account_id = ? AND type = 'transfer_in'").pluck().get(card));
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile/rows`, { action: 'finish', ids: leg }, 422);
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile/rows`, { action: 'update', ids: leg }, 303);
      // The statement corrected in place (refused, then saved), and stopping: asked first, then with the ticks undone.
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile/statement`, { statementOn: '2026-02-30', statementBalance: 'x' }, 422);
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile/statement`, { statementOn: '2026-03-31', statementBalance: '-2' }, 303);
      await page(agent, language, `/accounts/${card}/reconcile/cancel`, '/accounts/:id/reconcile/cancel');
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile/cancel`, { ticks: 'untick' }, 303);
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile`, { statementOn: '2026-03-31', statementBalance: '-1' }, 303);
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile/rows`, { action: 'update', ids: leg }, 303);
      await post(agent, language, `/accounts/${card}/reconcile`, `/accounts/${card}/reconcile/cancel`, {}, 303);
      await post(agent, language, `/accounts/${card}`, `/transactions/${leg}/cleared`, { cleared: '0', back: `/accounts/${card}` }, 303);
      await page(agent, language, `/accounts/${card}`, '/accounts/:id');
      await post(agent, language, `/transfers/${transfer}/delete`, `/transfers/${transfer}/delete`, {}, 303);
      await page(agent, language, `/accounts/${main}/delete`, '/accounts/:id/delete');
      await post(agent, language, '/accounts', `/accounts/${main}/delete`, {}, 409);
      await page(agent, language, `/accounts/${card}/delete`, '/accounts/:id/delete');
      await post(agent, language, '/accounts', `/accounts/${card}/delete`, {}, 303);
      await post(agent, language, '/transactions/new', '/transactions', { account: String(card), type: 'expense', amount: '1', date: '', description: '', category: '' }, 422);
      await page(agent, language, `/transactions?account=${main}`, '/transactions');
      await page(agent, language, `/transactions?account=${card}`, '/transactions');
      await page(agent, language, '/transactions?account=abc', '/transactions');

      // Budgets: set, refused, copied, rolled over, and the dashboard's card.
      const groceriesId = String(ctx.db.prepare("SELECT id FROM categories WHERE kind = 'expense' ORDER BY id LIMIT 1").pluck().get());
      await page(agent, language, '/budgets', '/budgets');
      await post(agent, language, '/budgets/2026-02', '/budgets/2026-02', { [`amount-${groceriesId}`]: language === 'uk' ? '1 000,50' : '1,000.50', [`rollover-${groceriesId}`]: '1' }, 303);
      await post(agent, language, '/budgets/2026-03', '/budgets/2026-03', { [`amount-${groceriesId}`]: '1e3' }, 422);
      await post(agent, language, '/budgets/2026-03', '/budgets/2026-03/copy', {}, 303);
      await post(agent, language, '/budgets/2026-05', '/budgets/2026-05/copy', {}, 303);
      const budgetPage = await page(agent, language, '/budgets/2026-03', '/budgets/:month');
      assert.match(budgetPage, language === 'uk' ? /Включає/ : /Includes/, 'the carried amount is explained');
      // A month inside a sentence: lower case after a preposition in Ukrainian, as the language writes it.
      assert.match(budgetPage, language === 'uk' ? /<h1 class="page__title">Бюджет на березень 2026 р\.<\/h1>/ : /<h1 class="page__title">Budget for March 2026<\/h1>/);
      await page(agent, language, '/budgets/2026-99', '(404)', 404);
      const budgetCsv = await agent.get('/budgets/export.csv');
      assert.equal(budgetCsv.status, 200);
      assert.ok(budgetCsv.headers['content-disposition']!.includes(language === 'uk' ? "filename*=UTF-8''ledgerly-%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82%D0%B8-" : 'filename=ledgerly-budgets-'));
      visitedRoutes.add('/budgets/export.csv');

      // Scheduled transactions: new (refused, then saved with a catch-up), the list, edit, post now, skip, delete.
      const mainAccount = String(ctx.db.prepare('SELECT min(id) FROM accounts').pluck().get());
      const scheduleFields = { type: 'expense', account: mainAccount, toAccount: '', category: groceriesId, amount: language === 'uk' ? '1 250,00' : '1,250.00', description: 'Оренда / rent', frequency: 'months', every: '1', weekday: '', monthDay: '31', startOn: '2025-10-31', endOn: '', count: '' };
      await page(agent, language, '/scheduled/new', '/scheduled/new');
      await post(agent, language, '/scheduled/new', '/scheduled', { ...scheduleFields, amount: '0', every: '0', startOn: '2026-02-30', frequency: 'x' }, 422);
      // A start whose past occurrences are more than a few asks first, on a page of its own; then posts them.
      await post(agent, language, '/scheduled/new', '/scheduled', scheduleFields, 200);
      await post(agent, language, '/scheduled/new', '/scheduled', { ...scheduleFields, backlog: 'edit' }, 200);
      await post(agent, language, '/scheduled/new', '/scheduled', { ...scheduleFields, backlog: 'post' }, 303);
      await post(agent, language, '/scheduled/new', '/scheduled', { ...scheduleFields, frequency: 'weeks', every: '2', monthDay: '', weekday: '3', startOn: '2026-12-01', count: '5' }, 303);
      await post(agent, language, '/scheduled/new', '/scheduled', { ...scheduleFields, frequency: 'days', every: '3', monthDay: '', startOn: '2026-12-01', endOn: '2027-01-31' }, 303);
      await post(agent, language, '/scheduled/new', '/scheduled', { ...scheduleFields, frequency: 'years', monthDay: '', startOn: '2028-02-29' }, 303);
      const scheduledList = await page(agent, language, '/scheduled', '/scheduled');
      assert.match(scheduledList, language === 'uk' ? /Щомісяця, в останній день/ : /Every month on the last day/);
      const scheduleId = String(ctx.db.prepare('SELECT min(id) FROM schedules').pluck().get());
      const weekly = String(ctx.db.prepare('SELECT min(id) FROM schedules WHERE frequency = ?').pluck().get('weeks'));
      await page(agent, language, `/scheduled/${scheduleId}/edit`, '/scheduled/:id/edit');
      await post(agent, language, `/scheduled/${scheduleId}/edit`, `/scheduled/${scheduleId}/edit`, { ...scheduleFields, endOn: '2020-01-01' }, 422);
      await post(agent, language, `/scheduled/${scheduleId}/edit`, `/scheduled/${scheduleId}/edit`, { ...scheduleFields, amount: '1300' }, 303);
      const firstWeekly = String(ctx.db.prepare('SELECT next_on FROM schedules WHERE id = ?').pluck().get(weekly));
      await post(agent, language, '/dashboard', `/scheduled/${weekly}/occurrence`, { on: firstWeekly, action: 'skip', back: '/dashboard' }, 303);
      await post(agent, language, '/dashboard', `/scheduled/${weekly}/occurrence`, { on: firstWeekly, action: 'post', back: '/dashboard' }, 303);
      await post(agent, language, '/scheduled', `/scheduled/${weekly}/occurrence`, { on: '2026-12-02', action: 'post', back: '/scheduled' }, 303);
      await page(agent, language, `/scheduled/${weekly}/delete`, '/scheduled/:id/delete');
      await post(agent, language, `/scheduled/${weekly}/delete`, `/scheduled/${weekly}/delete`, { withRows: '1' }, 303);
      await page(agent, language, '/scheduled/999999/edit', '(404)', 404);
      assert.equal((await agent.get('/scheduled/export.csv')).status, 200);
      visitedRoutes.add('/scheduled/export.csv');

      // Reports: the default range, a chosen one with a trend, refused parts, and the CSV.
      await page(agent, language, '/reports', '/reports');
      const report = await page(agent, language, `/reports?from=2025-10&to=2026-03&account=${mainAccount}&trend=${groceriesId}`, '/reports');
      // "from" takes the genitive in Ukrainian ("з жовтня"), "to" the accusative, which for a month is its name.
      assert.match(report, language === 'uk' ? /<p class="lede">З жовтня 2025 р\. по березень 2026 р\.:/ : /<p class="lede">From October 2025 to March 2026:/);
      assert.match(report, language === 'uk' ? /<h2 id="change-heading">Порівняно з періодом з квітня 2025 р\. по вересень 2025 р\.<\/h2>/ : /<h2 id="change-heading">Compared with April 2025 – September 2025<\/h2>/);
      await page(agent, language, '/reports?from=bad&to=2026-99&account=x', '/reports');
      assert.equal((await agent.get('/reports/export.csv?from=2026-01&to=2026-03')).status, 200);
      visitedRoutes.add('/reports/export.csv');

      // Categories.
      await page(agent, language, '/categories', '/categories');
      await post(agent, language, '/categories', '/categories', { kind: 'expense', name: 'Pets 🐾' }, 303);
      await post(agent, language, '/categories', '/categories', { kind: 'expense', name: 'pets  🐾' }, 422);
      await post(agent, language, '/categories', '/categories', { kind: 'income', name: '' }, 422);
      await post(agent, language, '/categories', '/categories', { kind: 'x', name: 'a\tb' }, 422);
      const pets = (ctx.db.prepare("SELECT id FROM categories WHERE name = 'Pets 🐾'").get() as { id: number }).id;
      await page(agent, language, `/categories/${pets}/edit`, '/categories/:id/edit');
      await post(agent, language, `/categories/${pets}/edit`, `/categories/${pets}/edit`, { name: 'x'.repeat(61) }, 422);
      await post(agent, language, `/categories/${pets}/edit`, `/categories/${pets}/edit`, { name: 'Animals' }, 303);
      await page(agent, language, `/categories/${housing}/delete`, '/categories/:id/delete');
      await post(agent, language, `/categories/${housing}/delete`, `/categories/${housing}/delete`, {}, 303);
      await page(agent, language, `/categories/${pets}/delete`, '/categories/:id/delete');

      // Rules: the list with one in words, a refused form, the edit page.
      await page(agent, language, '/rules', '/rules');
      await post(agent, language, '/rules', '/rules', { textMatch: 'contains', text: '', amountFrom: '', amountTo: '', type: '', account: '', category: '', rename: '' }, 422);
      await post(agent, language, '/rules', '/rules', { textMatch: 'starts', text: 'AMZN', amountFrom: '5', amountTo: '50', type: 'expense', account: '', category: String(pets), rename: 'Amazon' }, 303);
      const ruleId = Number(ctx.db.prepare('SELECT max(id) FROM rules').pluck().get());
      assert.equal((await agent.get('/rules/export.csv')).status, 200);
      visitedRoutes.add('/rules/export.csv');
      await page(agent, language, `/rules/${ruleId}/edit`, '/rules/:id/edit');
      await page(agent, language, `/rules/${ruleId}/delete`, '/rules/:id/delete');
      await post(agent, language, `/rules/${ruleId}/edit`, `/rules/${ruleId}/edit`, { textMatch: 'starts', text: 'AMZN', amountFrom: '50', amountTo: '5', type: '', account: '', category: '', rename: '' }, 422);
      await post(agent, language, '/rules', '/rules', { textMatch: 'contains', text: 'bread', amountFrom: '', amountTo: '', type: '', account: '', category: String(pets), transfer: String(mainAccount), rename: '' }, 422);
      // Running them: a preview with changes, refused dates, an outdated preview (409), and the apply.
      await post(agent, language, '/rules', '/rules', { textMatch: 'contains', text: 'rent', amountFrom: '', amountTo: '', type: '', account: '', category: '', transfer: '', rename: 'Rent' }, 303);
      await page(agent, language, '/rules/run?from=2026-02-30&to=2026-01-01&scope=x', '/rules/run', 422);
      const run = await page(agent, language, '/rules/run?from=2025-01-01&to=2026-12-31&scope=all', '/rules/run');
      await post(agent, language, '/rules/run?from=2025-01-01&to=2026-12-31&scope=all', '/rules/run', { from: '2025-01-01', to: '2026-12-31', scope: 'all', digest: 'A'.repeat(22) }, 409);
      const runDigest = /name="digest" value="([\w-]{22})"/.exec(run)![1]!;
      await post(agent, language, '/rules/run?from=2025-01-01&to=2026-12-31&scope=all', '/rules/run', { from: '2025-01-01', to: '2026-12-31', scope: 'all', digest: runDigest }, 303);

      // Import: upload, the mapping page with a refused row, the finished page with its errors.
      await page(agent, language, '/import', '/import');
      const noFile = await agent.post('/import').field('_csrf', await tokenFor(agent, '/import'));
      assert.equal(noFile.status, 422);
      assertSpeaks(language, 'upload without a file', noFile.text);
      const csv = 'date,type,category,amount,description\n2026-01-02,expense,Food,12.50,Bread\n2026-02-30,sometimes,,1.005,Bad\n';
      const uploaded = await agent.post('/import').field('_csrf', await tokenFor(agent, '/import')).attach('file', Buffer.from(csv), { filename: 'bank.csv', contentType: 'text/csv' });
      const uploadId = /^\/import\/([^/]+)$/.exec(uploaded.headers.location ?? '')![1]!;
      const mapping = await page(agent, language, `/import/${uploadId}`, '/import/:uploadId');
      assert.ok(mapping.includes('2026-02-30'), 'the refused row is previewed');
      // The date formats are written with the language's letters; what is sent stays the code.
      assert.match(mapping, language === 'uk' ? /<option value="DD\/MM\/YYYY"[^>]*>ДД\/ММ\/РРРР<\/option>/ : /<option value="DD\/MM\/YYYY"[^>]*>DD\/MM\/YYYY<\/option>/);
      await page(agent, language, `/import/${uploadId}?delimiter=comma&header=1&date=&amount=3&type=3&dateFormat=YYYY-MM-DD&decimal=dot&unknownCategories=create`, '/import/:uploadId', 200);
      const broken = await agent.post('/import').field('_csrf', await tokenFor(agent, '/import')).attach('file', Buffer.from('a,"b\n'), { filename: 'broken.csv', contentType: 'text/csv' });
      await page(agent, language, broken.headers.location!, '/import/:uploadId', 422);
      // A bank statement: its page, a broken one, and its finished result with the balance check and the skipped rows.
      const statement = { account: { bank: '021000021', number: '123456789' }, closing: { cents: 99, day: '2026-03-31' }, entries: [{ day: '2026-03-02', cents: -1_250, name: 'Café', memo: 'Card', bankId: 'F-1' }] };
      const statementUpload = async (content: string) =>
        /^\/import\/([^/]+)$/.exec((await agent.post('/import').field('_csrf', await tokenFor(agent, '/import')).attach('file', Buffer.from(content), { filename: 'bank.ofx', contentType: 'application/x-ofx' })).headers.location ?? '')![1]!;
      for (let round = 0; round < 2; round++) {
        const id = await statementUpload(ofx1(statement));
        const statementPage = await page(agent, language, `/import/${id}`, '/import/:uploadId');
        const account = /<option value="(\d+)" selected>/.exec(statementPage)![1]!;
        await post(agent, language, `/import/${id}`, `/import/${id}`, { account }, 303);
      }
      await page(agent, language, `/import/${await statementUpload(ofx1(statement).replace('</OFX>', '').replace('</BANKTRANLIST>', ''))}`, '/import/:uploadId', 422);
      const finished = await createFinishedImportOf(ctx, agent, uploadId);
      assertSpeaks(language, 'finished import', finished);
      visitedRoutes.add('/import/:uploadId/progress');
      const exported = await createFinishedImport(ctx, agent);
      await page(agent, language, `/import/${exported}/progress`, '/import/:uploadId/progress');
      await page(agent, language, '/import/no-such-upload/progress', '(404)', 404);
      // Undoing the finished import: its page, then its result saying it was undone.
      await page(agent, language, `/import/${uploadId}/undo`, '/import/:uploadId/undo');
      const undone = await post(agent, language, `/import/${uploadId}/undo`, `/import/${uploadId}/undo`, {}, 303);
      assert.ok(undone.includes(language === 'uk' ? 'Імпорт скасовано' : 'The import was undone'), 'the flash says so');
      const runAgain = await agent.post(`/import/${exported}/run-again`).type('form').send({ _csrf: await tokenFor(agent, `/import/${exported}/progress`) });
      assert.equal(runAgain.status, 303);
      // The upload page with the layouts those imports remembered, and forgetting one.
      const withLayouts = await page(agent, language, '/import', '/import');
      const layoutKey = /name="key" value="([\w-]{43})"/.exec(withLayouts)![1]!;
      await post(agent, language, '/import', '/import/layouts/forget', { key: layoutKey }, 303);

      // Export: the file name's word is in the language.
      const download = await agent.get('/transactions/export.csv');
      assert.equal(download.status, 200);
      const name = language === 'uk' ? "filename*=UTF-8''ledgerly-%D0%BE%D0%BF%D0%B5%D1%80%D0%B0%D1%86%D1%96%D1%97-" : 'filename=ledgerly-transactions-';
      assert.ok(download.headers['content-disposition']!.includes(name), download.headers['content-disposition']);
      visitedRoutes.add('/transactions/export.csv');

      // Account: every form's errors and messages.
      await page(agent, language, '/account', '/account');
      await post(agent, language, '/account', '/account/password', { currentPassword: 'wrong', newPassword: 'password1', confirmPassword: 'x' }, 422);
      await post(agent, language, '/account', '/account/language', { language: 'xx' }, 422);
      await post(agent, language, '/account', '/account/time-zone', { timeZone: 'Mars/Base' }, 422);
      await post(agent, language, '/account', '/account/time-zone', { timeZone: 'Europe/Kyiv' }, 303);
      await post(agent, language, '/account', '/account/delete', { password: 'wrong' }, 422);
      await post(agent, language, '/account', '/account/sessions/logout-others', {}, 303);
      // API tokens: the page, a refused form, a new token shown once, revoking it.
      await page(agent, language, '/account/api-tokens', '/account/api-tokens');
      await post(agent, language, '/account/api-tokens', '/account/api-tokens', { name: '', scope: 'x', lifetime: 'x' }, 422);
      const withToken = await post(agent, language, '/account/api-tokens', '/account/api-tokens', { name: 'Script', scope: 'read', lifetime: '30', password: TEST_PASSWORD }, 303);
      assert.match(withToken, /id="fresh-token">lgy_/);
      const tokenId = Number(ctx.db.prepare('SELECT max(id) FROM api_tokens').pluck().get());
      await post(agent, language, '/account/api-tokens', `/api-tokens/${tokenId}/revoke`, {}, 303);
      // Passkeys: the rows a browser ceremony leaves, then renaming (with an error) and removing one.
      const me = Number(ctx.db.prepare('SELECT id FROM users WHERE email = ?').pluck().get(`${language}@example.com`));
      const passkeyId = Number(ctx.db.prepare("INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name, created_at) VALUES (?, ?, x'00', 0, '[]', 'Laptop', 0)").run(me, `cred-${language}`).lastInsertRowid);
      await page(agent, language, '/account', '/account');
      await page(agent, language, `/passkeys/${passkeyId}/rename`, '/passkeys/:id/rename');
      await post(agent, language, `/passkeys/${passkeyId}/rename`, `/passkeys/${passkeyId}/rename`, { name: '' }, 422);
      await post(agent, language, `/passkeys/${passkeyId}/rename`, `/passkeys/${passkeyId}/rename`, { name: 'Work laptop' }, 303);
      await post(agent, language, '/account', `/passkeys/${passkeyId}/delete`, {}, 303);
      // Two-factor sign-in: set up, its first code, the recovery codes, the code page at sign-in, turning it off.
      await post(agent, language, '/account', '/account/two-factor/setup', {}, 303);
      const setupPage = await page(agent, language, '/account/two-factor/setup', '/account/two-factor/setup');
      const key = /data-key="([A-Z2-7]+)"/.exec(setupPage)![1]!;
      const codeNow = () => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key) }).generate({ timestamp: ctx.clock.now() });
      await post(agent, language, '/account/two-factor/setup', '/account/two-factor/enable', { password: TEST_PASSWORD, code: 'nonsense' }, 422);
      await post(agent, language, '/account/two-factor/setup', '/account/two-factor/enable', { password: 'wrong password', code: codeNow() }, 422);
      await post(agent, language, '/account/two-factor/setup', '/account/two-factor/enable', { password: TEST_PASSWORD, code: codeNow() }, 303);
      await page(agent, language, '/account/two-factor/recovery-codes', '/account/two-factor/recovery-codes');
      const codesFile = await agent.get('/account/two-factor/recovery-codes.txt');
      assert.match(codesFile.text, language === 'uk' ? /Коди відновлення Ledgerly/ : /Ledgerly recovery codes/);
      assert.ok(codesFile.headers['content-disposition']!.includes(language === 'uk' ? "filename*=UTF-8''ledgerly-%D0%BA%D0%BE%D0%B4%D0%B8-%D0%B2%D1%96%D0%B4%D0%BD%D0%BE%D0%B2%D0%BB%D0%B5%D0%BD%D0%BD%D1%8F.txt" : 'filename=ledgerly-recovery-codes.txt'));
      visitedRoutes.add('/account/two-factor/recovery-codes.txt');
      const dataFile = await agent.get('/account/export.json');
      assert.equal(dataFile.status, 200);
      assert.ok(dataFile.headers['content-disposition']!.includes(language === 'uk' ? "filename*=UTF-8''ledgerly-%D0%B4%D0%B0%D0%BD%D1%96-" : 'filename=ledgerly-data-'));
      assert.equal((JSON.parse(dataFile.text) as { profile: { language: string } }).profile.language, language);
      visitedRoutes.add('/account/export.json');
      await post(agent, language, '/account/two-factor/recovery-codes', '/account/two-factor/recovery-codes/done', {}, 303);
      await post(agent, language, '/account', '/account/two-factor/disable', { password: 'wrong', code: '123456' }, 422);
      const second = browser(ctx, language);
      const signIn = await post(second, language, '/login', '/login', { email: `${language}@example.com`, password: TEST_PASSWORD }, 303);
      assert.match(signIn, language === 'uk' ? /Введіть код для входу/ : /Enter your sign-in code/);
      visitedRoutes.add('/login/code');
      await post(second, language, '/login/code', '/login/code', { code: 'nonsense' }, 422);
      ctx.clock.advance(30_000);
      await post(agent, language, '/account', '/account/two-factor/recovery-codes', { password: TEST_PASSWORD, code: codeNow() }, 303);
      ctx.clock.advance(30_000);
      await post(agent, language, '/account', '/account/two-factor/disable', { password: TEST_PASSWORD, code: codeNow() }, 303);
      await post(agent, language, '/account', '/account/password', { currentPassword: TEST_PASSWORD, newPassword: 'a much longer passphrase', confirmPassword: 'a much longer passphrase' }, 303);
      const goodbye = await post(agent, language, '/account', '/account/delete', { password: 'a much longer passphrase' }, 303);
      assert.match(goodbye, /role="status"/);
    });
  });
}

/** Confirms the previewed mapping of an upload, runs the job and returns the result page. */
async function createFinishedImportOf(ctx: TestContext, agent: Agent, uploadId: string): Promise<string> {
  const mapping = await agent.get(`/import/${uploadId}`);
  const form = mapping.text.slice(mapping.text.indexOf(`method="post" action="/import/${uploadId}"`));
  const fields = Object.fromEntries([...form.slice(0, form.indexOf('</form>')).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
  const posted = await agent.post(`/import/${uploadId}`).type('form').send(fields);
  assert.equal(posted.status, 303);
  await ctx.jobs.runDue();
  const result = await agent.get(`/import/${uploadId}/progress`);
  assert.equal(result.status, 200);
  return result.text;
}

describe('choosing the language', () => {
  test("a browser that asks for Ukrainian gets Ukrainian pages, and a sign-up there makes a Ukrainian account with Ukrainian starter categories", async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = agentFor(ctx.app).set('Accept-Language', 'uk');
    const token = csrfFrom((await agent.get('/register')).text);
    await agent.post('/register').type('form').send({ _csrf: token, email: 'olena@example.com', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD }).expect(303);
    assert.equal((ctx.db.prepare("SELECT language FROM users WHERE email = 'olena@example.com'").get() as { language: string }).language, 'uk');
    const names = (ctx.db.prepare('SELECT kind, name FROM categories').all() as { kind: string; name: string }[]).map((c) => `${c.kind}:${c.name}`);
    assert.deepEqual(names.sort(), [
      'expense:Житло', 'expense:Здоров’я', 'expense:Інше', 'expense:Кафе та ресторани', 'expense:Комунальні послуги',
      'expense:Продукти', 'expense:Розваги', 'expense:Транспорт', 'income:Зарплата', 'income:Інші доходи',
    ].sort());
    // Her setting, not the browser, decides from now on.
    const fromEnglishBrowser = await agent.set('Accept-Language', 'en').get('/dashboard');
    assert.match(fromEnglishBrowser.text, /<html lang="uk">/);
  });

  test('the login page switches language with a plain form, and the choice lasts through signing in', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const owner = agentFor(ctx.app);
    const ownerToken = await tokenFor(owner, '/register');
    await owner.post('/register').type('form').send({ _csrf: ownerToken, email: 'ann@example.com', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD }).expect(303);
    ctx.db.prepare('UPDATE users SET language = NULL').run(); // an account from before languages: follows the browser

    const agent = agentFor(ctx.app).set('Accept-Language', 'en-US');
    const login = await agent.get('/login');
    assert.match(login.text, /<html lang="en">/);
    assert.match(login.text, /<button type="submit" class="button button--small button--quiet" lang="uk">Українська<\/button>/);
    const switched = await agent.post('/language').type('form').send({ _csrf: csrfFrom(login.text), language: 'uk', back: '/login' });
    assert.equal(switched.status, 303);
    assert.equal(switched.headers.location, '/login');
    const ukrainianLogin = await agent.get('/login');
    assert.match(ukrainianLogin.text, /<html lang="uk">/);
    assert.match(ukrainianLogin.text, /lang="en">English<\/button>/);
    await agent.post('/login').type('form').send({ _csrf: csrfFrom(ukrainianLogin.text), email: 'ann@example.com', password: TEST_PASSWORD }).expect(303);
    assert.match((await agent.get('/dashboard')).text, /<html lang="uk">/);

    // A crafted switch: an unknown language is a 400 that changes nothing; a foreign return address goes to /login.
    const bad = await agentFor(ctx.app).post('/language').type('form').send({ _csrf: csrfFrom(ukrainianLogin.text), language: 'de' });
    assert.equal(bad.status, 403, 'another browser has no token of this session');
    const fresh = agentFor(ctx.app);
    const freshToken = csrfFrom((await fresh.get('/login')).text);
    const unknown = await fresh.post('/language').type('form').send({ _csrf: freshToken, language: 'de', back: '/login' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /Choose one of the languages offered\./);
    const away = await fresh.post('/language').type('form').send({ _csrf: freshToken, language: 'uk', back: 'https://evil.example/' });
    assert.equal(away.headers.location, '/login');
  });

  test('the account page changes the language of every page, and its amounts and dates', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = agentFor(ctx.app);
    const agentToken = await tokenFor(agent, '/register');
    await agent.post('/register').type('form').send({ _csrf: agentToken, email: 'ann@example.com', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD }).expect(303);
    const addToken = await tokenFor(agent, '/transactions/new');
    await agent.post('/transactions').type('form').send({ _csrf: addToken, type: 'expense', amount: '1,234.56', date: '2026-03-14', description: '', category: '' }).expect(303);
    const english = await agent.get('/transactions');
    assert.match(english.text, /<time datetime="2026-03-14">Mar 14, 2026<\/time>/);
    assert.match(english.text, /−\$1,234\.56/);
    const account = await agent.get('/account');
    assert.match(account.text, /<option value="en" lang="en" selected>English<\/option>/);
    await agent.post('/account/language').type('form').send({ _csrf: csrfFrom(account.text), language: 'uk' }).expect(303);
    const saved = await agent.get('/account');
    assert.match(saved.text, /<html lang="uk">/);
    assert.match(saved.text, /Мову збережено\./);
    assert.match(saved.text, /<option value="uk" lang="uk" selected>Українська<\/option>/);
    const ukrainian = await agent.get('/transactions');
    assert.match(ukrainian.text, /<time datetime="2026-03-14">14 бер\. 2026 р\.<\/time>/);
    assert.match(ukrainian.text, /−1\u00a0234,56\u00a0USD/);
    assert.match(ukrainian.text, /Усього 1 операція\./);

    // A bad choice says so beside the field and changes nothing.
    const before = ctx.db.prepare('SELECT language FROM users').get();
    const refused = await agent.post('/account/language').type('form').send({ _csrf: csrfFrom(saved.text), language: ['en', 'uk'] });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /<p class="field__error" id="language-error">/);
    assert.deepEqual(ctx.db.prepare('SELECT language FROM users').get(), before);
  });

  test('DEFAULT_LANGUAGE speaks to browsers that ask for nothing Ledgerly speaks', async (t) => {
    const ctx = createTestContext({ DEFAULT_LANGUAGE: 'uk' });
    t.after(() => ctx.cleanup());
    assert.match((await agentFor(ctx.app).get('/login')).text, /<html lang="uk">/);
    assert.match((await agentFor(ctx.app).set('Accept-Language', 'de-DE,fr;q=0.5').get('/login')).text, /<html lang="uk">/);
    assert.match((await agentFor(ctx.app).set('Accept-Language', 'de-DE,en;q=0.5').get('/login')).text, /<html lang="en">/);
    assert.throws(() => createTestContext({ DEFAULT_LANGUAGE: 'de' }), /DEFAULT_LANGUAGE: must be one of: en, uk/);
  });

  test('migration 6 adds the language to a database made by the previous schema, and its people follow their browser', () => {
    const ctx = createTestContext();
    const dir = ctx.dir;
    const file = `${dir}/previous.sqlite`;
    const db = openDatabase(file);
    try {
      migrate(db, migrations.filter((m) => m.version <= 5));
      db.prepare("INSERT INTO users (email, password_hash) VALUES ('old@example.com', 'x')").run();
      const categoriesBefore = db.prepare('SELECT name FROM categories ORDER BY id').all();
      migrate(db);
      assert.ok((db.pragma('user_version', { simple: true }) as number) >= 6);
      assert.deepEqual(db.prepare('SELECT email, language FROM users').all(), [{ email: 'old@example.com', language: null }]);
      assert.deepEqual(db.prepare('SELECT name FROM categories ORDER BY id').all(), categoriesBefore);
    } finally {
      db.close();
      void ctx.cleanup();
    }
  });
});

describe('the route list', () => {
  test('every page (GET route) was rendered in both languages above', () => {
    const probe = createTestContext();
    try {
      const pages = listRoutes(probe.app)
        .filter((r) => r.method === 'GET')
        .map((r) => r.path)
        // The API speaks JSON to scripts, not pages to people (test/integration/api.test.ts).
        .filter((p) => p !== '/healthz' && p !== '/' && !p.startsWith('/api/'));
      assert.deepEqual(pages.filter((p) => !visitedRoutes.has(p)), []);
    } finally {
      void probe.cleanup();
    }
  });
});

describe('the HTML', () => {
  test('every page rendered above, in both languages, passes the Nu Html Checker', async () => {
    assert.ok(rendered.length > 100, `only ${rendered.length} pages were rendered`);
    // One Java process checks them all, with one page known to be invalid, so a checker that reports nothing
    // (a Java that failed quietly, say) cannot pass.
    const invalid = { name: 'known-invalid', html: '<!doctype html><html lang="en"><head><title>x</title></head><body><p><div></p></body></html>' };
    const errors = await nuCheckerErrors([...rendered, invalid]);
    assert.ok(errors.some((e) => e.includes('known-invalid')), 'the checker finds the known error');
    assert.deepEqual(errors.filter((e) => !e.includes('known-invalid')), []);
  });
});
