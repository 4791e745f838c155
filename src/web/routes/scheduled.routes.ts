import { Router, type Request, type Response } from 'express';
import { startingFrom, type Schedule } from '../../domain/schedules.ts';
import { defaultAccountId } from '../../domain/accounts.ts';
import type { ScheduleService } from '../../services/schedules.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { parseForm, safeLocalPath, textField, type FieldErrors } from '../form-fields.ts';
import { emptyScheduleForm, occurrenceActionSchema, parseScheduleForm, scheduleFormValuesFrom, scheduleRefusal, type ScheduleFormValues } from '../forms/schedule-form.ts';
import { msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash } from '../middleware/locals.ts';
import { parseIdParam } from '../params.ts';
import { describeRule, WEEKDAYS_FROM_MONDAY, weekdayName } from '../schedule-text.ts';

const NOT_FOUND = msg('scheduled.notFound');

/**
 * A new schedule that would post more past occurrences than this at once (its start in the past: a year typed wrong
 * posted two years of rent) asks first, on a page of its own. The API saves as asked.
 */
const ASK_BEFORE_POSTING_MORE_THAN = 3;

/** Scheduled transactions: the list with what is coming up, adding, editing, deleting, and posting or skipping one. */
export function createScheduledRouter(deps: { schedules: ScheduleService }): Router {
  const router = Router();
  const service = deps.schedules;
  router.use('/scheduled', requireUser);

  function renderForm(
    req: Request,
    res: Response,
    options: { schedule?: Schedule; values: ScheduleFormValues; errors: FieldErrors },
  ): void {
    const userId = signedInUser(req).id;
    const language = pageLanguage(res);
    const details = options.schedule && service.details(userId, options.schedule.id);
    res.render('scheduled/form', {
      title: options.schedule ? 'scheduled.edit.title' : 'scheduled.new.title',
      styles: ['/css/scheduled.css'],
      ...service.choices(userId),
      schedule: options.schedule ?? null,
      history: details?.history ?? [],
      counts: details?.counts ?? null,
      form: { values: options.values, errors: options.errors },
      weekdays: WEEKDAYS_FROM_MONDAY.map((d) => ({ value: d, name: weekdayName(d, language) })),
    });
  }

  /* GET /scheduled: every schedule with its rule and next date, and the next 30 days of occurrences. Signed-in users. */
  router.get('/scheduled', (req, res) => {
    const userId = signedInUser(req).id;
    const language = pageLanguage(res);
    res.render('scheduled/index', {
      title: 'scheduled.title',
      styles: ['/css/scheduled.css'],
      schedules: service.list(userId).map((s) => ({ ...s, ruleText: describeRule(s.rule, language) })),
      upcoming: service.upcoming(userId, pageToday(res)),
    });
  });

  /* GET /scheduled/export.csv: every schedule of the person, with its rule and next date, as a CSV attachment. Signed-in users. */
  router.get('/scheduled/export.csv', (req, res) => {
    const csv = service.exportCsv(signedInUser(req).id);
    res.type('text/csv; charset=utf-8');
    res.attachment(`ledgerly-${pageLanguage(res).t('scheduled.exportFileName')}-${pageToday(res)}.csv`);
    res.set('X-Content-Type-Options', 'nosniff');
    res.send(csv);
  });

  /* GET /scheduled/new: the form for a new schedule, monthly from today by default. Signed-in users. */
  router.get('/scheduled/new', (req, res) => {
    const { accounts } = service.choices(signedInUser(req).id);
    renderForm(req, res, { values: emptyScheduleForm(pageToday(res), defaultAccountId(accounts, req.session.lastAccountId)), errors: {} });
  });

  /*
   * POST /scheduled: create a schedule; occurrences already due (a start in the past) are posted at once. When that is
   * more than ASK_BEFORE_POSTING_MORE_THAN, nothing is saved yet: a page says how many and their total (and how many
   * recorded rows would be taken as theirs), and posts the form again with backlog=post (save and post them),
   * backlog=today (start from the rule's first day from today on instead) or backlog=edit (the form again, as typed).
   * A bad field, or an account or category that is not the person's, re-renders the form with 422 and saves nothing.
   * Signed-in users.
   */
  router.post('/scheduled', (req, res) => {
    const user = signedInUser(req);
    const input = parseScheduleForm(req.body, pageLanguage(res));
    if (!input.ok) return renderForm(req, res.status(422), { values: input.values, errors: input.errors });
    const backlog = textField(req.body, 'backlog');
    if (backlog === 'edit') return renderForm(req, res, { values: input.values, errors: {} });
    const draft = backlog === 'today' ? { ...input.value, rule: startingFrom(input.value.rule, pageToday(res)) } : input.value;
    if (backlog !== 'post' && backlog !== 'today') {
      const preview = service.previewCreate(user.id, draft);
      if (!preview.ok) {
        if (preview.problems === 'not-found') throw new NotFoundError(NOT_FOUND);
        return renderForm(req, res.status(422), { values: input.values, errors: scheduleRefusal(preview.problems) });
      }
      if (preview.toPost > ASK_BEFORE_POSTING_MORE_THAN) {
        return res.render('scheduled/confirm-backlog', { title: 'scheduled.backlog.title', styles: ['/css/scheduled.css'], preview, type: draft.type, values: input.values });
      }
    }
    const result = service.create(user.id, draft);
    if (!result.ok) {
      if (result.problems === 'not-found') throw new NotFoundError(NOT_FOUND);
      return renderForm(req, res.status(422), { values: input.values, errors: scheduleRefusal(result.problems) });
    }
    // "0 past occurrences were posted" reads as if something went wrong; a schedule that starts later has none yet.
    if ((result.found ?? 0) > 0) setFlash(req, 'success', 'scheduled.flash.createdFound', { count: result.found ?? 0, posted: result.posted });
    else if (result.posted === 0) setFlash(req, 'success', 'scheduled.flash.createdNoneDue');
    else setFlash(req, 'success', 'scheduled.flash.created', { count: result.posted });
    res.redirect(303, '/scheduled');
  });

  /* GET /scheduled/:id/edit: the schedule's form and what it has posted. Owner only; others get 404. */
  router.get('/scheduled/:id/edit', (req, res) => {
    const schedule = service.find(signedInUser(req).id, parseIdParam(req.params.id, NOT_FOUND));
    if (!schedule) throw new NotFoundError(NOT_FOUND);
    renderForm(req, res, { schedule, values: scheduleFormValuesFrom(schedule, pageLanguage(res), { followStart: true }), errors: {} });
  });

  /*
   * POST /scheduled/:id/edit: change the schedule from its next occurrence on (services/schedules.ts update); what it
   * posted, and what was due, stays as it is.
   * Errors re-render with 422. Owner only; others get 404.
   */
  router.post('/scheduled/:id/edit', (req, res) => {
    const user = signedInUser(req);
    const schedule = service.find(user.id, parseIdParam(req.params.id, NOT_FOUND));
    if (!schedule) throw new NotFoundError(NOT_FOUND);
    const input = parseScheduleForm(req.body, pageLanguage(res));
    if (!input.ok) return renderForm(req, res.status(422), { schedule, values: input.values, errors: input.errors });
    const result = service.update(user.id, schedule.id, input.value);
    if (!result.ok) {
      if (result.problems === 'not-found') throw new NotFoundError(NOT_FOUND);
      return renderForm(req, res.status(422), { schedule, values: input.values, errors: scheduleRefusal(result.problems) });
    }
    // An edit posts what was due first, and a new day already past in this period at once: it says how many.
    if (result.posted === 0) setFlash(req, 'success', 'scheduled.flash.saved');
    else setFlash(req, 'success', 'scheduled.flash.savedPosted', { count: result.posted });
    res.redirect(303, '/scheduled');
  });

  /*
   * GET /scheduled/:id/delete: asks to confirm; says that what it posted stays, and offers to delete the transactions it
   * wrote itself too (counted; reconciled ones, and rows it took from what was recorded already, stay and are counted
   * with why). Owner only; others get 404.
   */
  router.get('/scheduled/:id/delete', (req, res) => {
    const userId = signedInUser(req).id;
    const id = parseIdParam(req.params.id, NOT_FOUND);
    const details = service.details(userId, id);
    const written = service.writtenRows(userId, id);
    if (!details || !written) throw new NotFoundError(NOT_FOUND);
    res.render('scheduled/confirm-delete', {
      title: 'scheduled.delete.title',
      schedule: details.schedule,
      posted: details.counts.posted,
      written,
      ruleText: describeRule(details.schedule.rule, pageLanguage(res)),
    });
  });

  /*
   * POST /scheduled/:id/delete: delete the schedule; the transactions it posted stay, unless withRows=1: then those it
   * wrote itself and no statement reconciled go with it, in the same transaction. Owner only; others get 404.
   */
  router.post('/scheduled/:id/delete', (req, res) => {
    const deleted = service.delete(signedInUser(req).id, parseIdParam(req.params.id, NOT_FOUND), textField(req.body, 'withRows') === '1');
    if (!deleted) throw new NotFoundError(NOT_FOUND);
    if (deleted.removedRows > 0) setFlash(req, 'success', 'scheduled.flash.deletedWithRows', { count: deleted.removedRows });
    else setFlash(req, 'success', 'scheduled.flash.deleted');
    res.redirect(303, '/scheduled');
  });

  /*
   * POST /scheduled/:id/occurrence: post one coming occurrence now (dated today) or skip it (action=post|skip,
   * on=YYYY-MM-DD); each happens once. Back to `back` (the dashboard or this list). Owner only; others get 404.
   */
  router.post('/scheduled/:id/occurrence', (req, res) => {
    const user = signedInUser(req);
    const id = parseIdParam(req.params.id, NOT_FOUND);
    const back = safeLocalPath((req.body as Record<string, unknown> | undefined)?.back, '/scheduled');
    const input = parseForm(occurrenceActionSchema, req.body);
    if (!input.ok) {
      if (!service.find(user.id, id)) throw new NotFoundError(NOT_FOUND);
      setFlash(req, 'error', 'scheduled.flash.notAnOccurrence');
      return res.redirect(303, back);
    }
    const outcome = service.handleOccurrence(user.id, id, input.data.on, input.data.action);
    if (outcome === 'not-found') throw new NotFoundError(NOT_FOUND);
    const date = pageLanguage(res).days.formatDay(input.data.on);
    if (outcome === 'done') setFlash(req, 'success', input.data.action === 'post' ? 'scheduled.flash.postedNow' : 'scheduled.flash.skipped', { date });
    else if (outcome === 'paused') setFlash(req, 'error', 'scheduled.flash.paused', { date });
    else setFlash(req, 'error', outcome === 'already-handled' ? 'scheduled.flash.alreadyHandled' : 'scheduled.flash.notAnOccurrence', { date });
    res.redirect(303, back);
  });

  return router;
}
