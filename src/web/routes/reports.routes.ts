import { Router } from 'express';
import { lastDayOfMonth, monthOf } from '../../domain/calendar.ts';
import type { ReportService } from '../../services/reports.ts';
import { chartFormatsFor } from '../chart-formats.ts';
import { monthlyLineChart } from '../charts.ts';
import { signedInUser } from '../current-user.ts';
import { parseReportQuery, reportQuery } from '../forms/report-form.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday } from '../middleware/locals.ts';

/** Reports over a range of months: the category x month table, the change from before, the largest expenses, a trend. */
export function createReportsRouter(deps: { reports: ReportService }): Router {
  const router = Router();
  router.use('/reports', requireUser);

  /*
   * GET /reports: a report over ?from= and ?to= (YYYY-MM; the last 12 months by default) for ?account= (any number;
   * all by default), with the trend of ?trend= (a category). Signed-in users; only their own rows.
   */
  router.get('/reports', (req, res) => {
    const userId = signedInUser(req).id;
    const language = pageLanguage(res);
    const today = pageToday(res);
    const { range, values, errors } = parseReportQuery(req.query as Record<string, unknown>, monthOf(today));
    const report = deps.reports.range(userId, range, today);
    const formats = chartFormatsFor(language);
    // A cell links to the transactions behind it: one account's when exactly one is chosen. An expense category's
    // cell keeps its refunds (incomes in it, netted there); uncategorised incomes are income, never refunds, so the
    // uncategorised expense cell lists expenses only. With several accounts chosen (not all) no cell links: the list
    // shows one account or all, and its figure would not be the cell's.
    const several = (range.accountIds?.length ?? 0) > 1;
    const account = range.accountIds?.length === 1 ? `&account=${range.accountIds[0]}` : '';
    const cellLink = (type: string, categoryId: number | null, fromMonth: string, toMonth: string): string | null =>
      several ? null : `/transactions?from=${fromMonth}-01&to=${lastDayOfMonth(toMonth)}&category=${categoryId ?? 'none'}${account}${type === 'income' || categoryId === null ? `&type=${type}` : ''}`;
    res.render('reports/index', {
      title: 'reports.title',
      styles: ['/css/charts.css', '/css/reports.css'],
      report,
      range,
      values,
      errors,
      query: reportQuery(range),
      cellLink,
      cellsUnlinked: several,
      trendChart:
        report.trend &&
        monthlyLineChart({
          id: 'chart-trend',
          title: language.t('reports.trend.title', { name: report.trend.name }),
          description: language.t('reports.trend.description', { name: report.trend.name, from: language.days.formatMonthSince(range.fromMonth), to: language.days.formatMonthInText(range.toMonth) }),
          points: report.trend.points,
          formats,
          labels: { value: language.t('common.amount'), month: language.t('charts.month') },
        }),
    });
  });

  /* GET /reports/export.csv: the report's category x month table as CSV, formula-safe. Signed-in users. */
  router.get('/reports/export.csv', (req, res) => {
    const today = pageToday(res);
    const { range } = parseReportQuery(req.query as Record<string, unknown>, monthOf(today));
    const csv = deps.reports.rangeCsv(signedInUser(req).id, range, today);
    res.type('text/csv; charset=utf-8');
    res.attachment(`ledgerly-${pageLanguage(res).t('reports.exportFileName')}-${range.fromMonth}-${range.toMonth}.csv`);
    res.set('X-Content-Type-Options', 'nosniff');
    res.send(csv);
  });

  return router;
}
