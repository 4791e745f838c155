import { Router, type Response } from 'express';
import type { Category } from '../../domain/categories.ts';
import type { CategoryService } from '../../services/categories.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { typedValues, type FieldErrors } from '../form-fields.ts';
import { parseCategoryForm, parseRenameForm, type CategoryFormValues } from '../forms/category-form.ts';
import { msg } from '../i18n.ts';
import { categoryNameTakenMessage } from '../messages.ts';
import { requireUser } from '../middleware/auth.ts';
import { setFlash } from '../middleware/locals.ts';
import { parseIdParam } from '../params.ts';

const NOT_FOUND = msg('categories.notFound');

/** Listing, creating, renaming and deleting the signed-in user's categories. */
export function createCategoriesRouter(deps: { categories: CategoryService }): Router {
  const router = Router();
  const service = deps.categories;
  router.use('/categories', requireUser);

  function renderList(res: Response, userId: number, form: { values: CategoryFormValues; errors: FieldErrors }): void {
    res.render('categories/index', { title: 'categories.title', ...service.listWithCounts(userId), form });
  }

  function renderRename(res: Response, category: Category, form: { values: { name: string }; errors: FieldErrors }): void {
    res.render('categories/edit', { title: 'categories.rename.title', category, form });
  }

  function ownedOr404(userId: number, rawId: unknown): Category {
    const category = service.find(userId, parseIdParam(rawId, NOT_FOUND));
    if (!category) throw new NotFoundError(NOT_FOUND);
    return category;
  }

  /* GET /categories: income and expense categories with how many transactions each has, and the add form. Signed-in users. */
  router.get('/categories', (req, res) => {
    renderList(res, signedInUser(req).id, { values: { kind: 'expense', name: '' }, errors: {} });
  });

  /* POST /categories: create a category; a bad or duplicate name re-renders the page with 422. Signed-in users. */
  router.post('/categories', (req, res) => {
    const user = signedInUser(req);
    const input = parseCategoryForm(req.body);
    if (!input.ok) {
      res.status(422);
      return renderList(res, user.id, { values: input.values, errors: input.errors });
    }
    const created = service.create(user.id, input.kind, input.name);
    if (!created.ok) {
      res.status(422);
      const taken = created.problem === 'taken' ? (created.existing?.name ?? input.name) : input.name;
      return renderList(res, user.id, { values: input.values, errors: { name: categoryNameTakenMessage(input.kind, taken) } });
    }
    setFlash(req, 'success', 'categories.flash.added', { name: created.category.name });
    res.redirect(303, '/categories');
  });

  /* GET /categories/:id/edit: the rename form. Owner only; others get 404. */
  router.get('/categories/:id/edit', (req, res) => {
    const category = ownedOr404(signedInUser(req).id, req.params.id);
    renderRename(res, category, { values: { name: category.name }, errors: {} });
  });

  /* POST /categories/:id/edit: rename; a bad or duplicate name re-renders with 422. Owner only; others get 404. */
  router.post('/categories/:id/edit', (req, res) => {
    const user = signedInUser(req);
    const category = ownedOr404(user.id, req.params.id);
    const input = parseRenameForm(req.body);
    if (!input.ok) {
      res.status(422);
      return renderRename(res, category, { values: input.values, errors: input.errors });
    }
    const renamed = service.rename(user.id, category.id, input.name);
    if (!renamed.ok) {
      if (renamed.problem === 'not-found') throw new NotFoundError(NOT_FOUND);
      res.status(422);
      return renderRename(res, category, {
        values: typedValues(req.body, ['name'] as const),
        errors: { name: categoryNameTakenMessage(category.kind, renamed.existing?.name ?? input.name) },
      });
    }
    setFlash(req, 'success', 'categories.flash.renamed', { name: input.name });
    res.redirect(303, '/categories');
  });

  /*
   * GET /categories/:id/delete: asks to confirm, saying how many transactions and schedules become uncategorised and
   * which rules go with it. Owner only; others get 404.
   */
  router.get('/categories/:id/delete', (req, res) => {
    const found = service.deletionOf(signedInUser(req).id, parseIdParam(req.params.id, NOT_FOUND));
    if (!found) throw new NotFoundError(NOT_FOUND);
    res.render('categories/confirm-delete', { title: 'categories.delete.title', category: found.category, count: found.deletion.uncategorised, deletion: found.deletion });
  });

  /* POST /categories/:id/delete: delete it; its transactions stay, uncategorised. Owner only; others get 404 and nothing changes. */
  router.post('/categories/:id/delete', (req, res) => {
    const deleted = service.delete(signedInUser(req).id, parseIdParam(req.params.id, NOT_FOUND));
    if (!deleted) throw new NotFoundError(NOT_FOUND);
    const { category, uncategorised } = deleted;
    setFlash(req, 'success', 'categories.flash.deleted', { name: category.name, count: uncategorised });
    res.redirect(303, '/categories');
  });

  return router;
}
