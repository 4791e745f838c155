import { addMonths, FIRST_MONTH, LAST_MONTH, parseIsoMonth, type MonthProblem } from '../../domain/calendar.ts';
import type { ReportRange } from '../../services/reports.ts';
import { displayable, idText, type FieldErrors } from '../form-fields.ts';
import { msg, type Msg } from '../i18n.ts';

/** The longest range a report covers: twenty years of months. */
export const MAX_REPORT_MONTHS = 240;

/** What the report form shows back. */
export interface ReportFormValues {
  readonly from: string;
  readonly to: string;
  readonly accounts: string[];
  readonly trend: string;
}

const oneText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The message for a month typed that is not one a report can cover. */
function monthMessage(problem: MonthProblem): Msg {
  return problem === 'out-of-range' ? msg('reports.form.monthOutOfRange', { first: FIRST_MONTH, last: LAST_MONTH }) : msg('reports.form.badMonth');
}

/**
 * Reads a report's query string: from and to months (YYYY-MM; the 12 months ending this month by default), any
 * number of `account` ids (none: all accounts) and a `trend` category id. A part that cannot be read is left at its
 * default with a message beside it, never an error page.
 */
export function parseReportQuery(query: Record<string, unknown>, thisMonth: string): { range: ReportRange; values: ReportFormValues; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const fromText = oneText(query.from) ?? '';
  const toText = oneText(query.to) ?? '';
  let toMonth = thisMonth;
  // A month that cannot be read is shown back as typed beside its message (the report itself uses the default).
  let toShown: string | undefined;
  if (toText !== '') {
    const to = parseIsoMonth(toText);
    if (to.ok) toMonth = to.month;
    else [errors.to, toShown] = [monthMessage(to.problem), displayable(toText)];
  }
  let fromMonth = addMonths(toMonth, -11);
  let fromShown: string | undefined;
  if (fromText !== '') {
    const from = parseIsoMonth(fromText);
    if (from.ok) fromMonth = from.month;
    else [errors.from, fromShown] = [monthMessage(from.problem), displayable(fromText)];
  }
  // Each field keeps its own message: a month that could not be read is not also said to be out of order.
  if (fromMonth > toMonth) {
    errors.to ??= msg('reports.form.toBeforeFrom');
    fromMonth = addMonths(toMonth, -11);
  }
  if (addMonths(fromMonth, MAX_REPORT_MONTHS - 1) < toMonth) {
    errors.from ??= msg('reports.form.tooLong', { max: MAX_REPORT_MONTHS / 12 });
    fromMonth = addMonths(toMonth, -(MAX_REPORT_MONTHS - 1));
  }
  const rawAccounts = ([] as unknown[]).concat(query.account ?? []).slice(0, 100);
  const accountIds = rawAccounts.flatMap((a) => {
    const id = idText.safeParse(a);
    return id.success ? [id.data] : [];
  });
  if (accountIds.length < rawAccounts.length) errors.account = msg('reports.form.badAccount');
  const trendText = oneText(query.trend) ?? '';
  const trend = trendText === '' ? null : idText.safeParse(trendText);
  if (trend && !trend.success) errors.trend = msg('reports.form.badCategory');
  return {
    range: { fromMonth, toMonth, accountIds: accountIds.length > 0 ? [...new Set(accountIds)] : null, trendCategoryId: trend?.success ? trend.data : null },
    values: { from: fromShown ?? fromMonth, to: toShown ?? toMonth, accounts: accountIds.map(String), trend: displayable(trendText) },
    errors,
  };
}

/** The query string of a report (for its export link and the links between pages). */
export function reportQuery(range: ReportRange): string {
  const params = new URLSearchParams({ from: range.fromMonth, to: range.toMonth });
  for (const id of range.accountIds ?? []) params.append('account', String(id));
  if (range.trendCategoryId !== null) params.set('trend', String(range.trendCategoryId));
  return params.toString();
}
