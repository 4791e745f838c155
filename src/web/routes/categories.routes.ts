import { Router, type Response } from 'express';
import { CategoryNameTakenError, type CategoriesRepo, type Category } from '../../db/repos/categories.ts';
import { NotFoundError } from '../errors.ts';
import type { FieldErrors } from '../form-fields.ts';
import { textField } from '../form-fields.ts';
import { nameTakenMessage, parseCategoryForm, parseCategoryName, type CategoryFormValues } from '../forms/category-form.ts';
import { requireUser } from '../middleware/auth.ts';
import { setFlash } from '../middleware/locals.ts';
import { parseIdParam } from './transactions.routes.ts';

/** Listing, creating, renaming and deleting the signed-in user's categories. */
export function createCategoriesRouter(deps: { categories: CategoriesRepo }): Router {
  const router = Router();
  const repo = deps.categories;
  router.use('/categories', requireUser);

  function renderList(res: Response, userId: number, form: { values: CategoryFormValues; errors: FieldErrors }): void {
    const all = repo.listCategoriesWithCounts(userId);
    res.render('categories/index', {
      title: 'Categories',
      income: all.filter((c) => c.kind === 'income'),
      expense: all.filter((c) => c.kind === 'expense'),
      form,
    });
  }

  function ownedOr404(userId: number, rawId: unknown): Category {
    const category = repo.findOwnedCategory(userId, parseIdParam(rawId));
    if (!category) throw new NotFoundError('That category does not exist.');
    return category;
  }

  /* GET /categories: income and expense categories with how many transactions each has, and the add form. Signed-in users. */
  router.get('/categories', (req, res) => {
    renderList(res, req.user!.id, { values: { kind: 'expense', name: '' }, errors: {} });
  });

  /* POST /categories: create a category; a bad or duplicate name re-renders the page with 422. Signed-in users. */
  router.post('/categories', (req, res) => {
    const userId = req.user!.id;
    const result = parseCategoryForm(req.body);
    if (!result.ok) {
      res.status(422);
      return renderList(res, userId, { values: result.values, errors: result.errors });
    }
    try {
      repo.createCategory(userId, result.kind, result.name);
    } catch (err) {
      if (!(err instanceof CategoryNameTakenError)) throw err;
      res.status(422);
      return renderList(res, userId, { values: result.values, errors: { name: nameTakenMessage(result.kind, result.name) } });
    }
    setFlash(req, 'success', `Category “${result.name}” added.`);
    res.redirect(303, '/categories');
  });

  /* GET /categories/:id/edit: the rename form. Owner only; others get 404. */
  router.get('/categories/:id/edit', (req, res) => {
    const category = ownedOr404(req.user!.id, req.params.id);
    res.render('categories/edit', { title: 'Rename category', category, form: { values: { name: category.name }, errors: {} } });
  });

  /* POST /categories/:id/edit: rename; a bad or duplicate name re-renders with 422. Owner only; others get 404. */
  router.post('/categories/:id/edit', (req, res) => {
    const userId = req.user!.id;
    const category = ownedOr404(userId, req.params.id);
    const raw = textField(req.body, 'name');
    const name = parseCategoryName(raw);
    const rerender = (error: string) =>
      res.status(422).render('categories/edit', {
        title: 'Rename category',
        category,
        form: { values: { name: raw ?? '' }, errors: { name: error } },
      });
    if (!name.ok) return rerender(name.error);
    try {
      if (!repo.renameOwnedCategory(userId, category.id, name.value)) throw new NotFoundError('That category does not exist.');
    } catch (err) {
      if (!(err instanceof CategoryNameTakenError)) throw err;
      return rerender(nameTakenMessage(category.kind, name.value));
    }
    setFlash(req, 'success', `Category renamed to “${name.value}”.`);
    res.redirect(303, '/categories');
  });

  /* GET /categories/:id/delete: asks to confirm, saying how many transactions become uncategorised. Owner only; others get 404. */
  router.get('/categories/:id/delete', (req, res) => {
    const userId = req.user!.id;
    const category = ownedOr404(userId, req.params.id);
    res.render('categories/confirm-delete', {
      title: 'Delete category',
      category,
      count: repo.countTransactionsInCategory(userId, category.id),
    });
  });

  /* POST /categories/:id/delete: delete it; its transactions stay, uncategorised. Owner only; others get 404 and nothing changes. */
  router.post('/categories/:id/delete', (req, res) => {
    const userId = req.user!.id;
    const category = ownedOr404(userId, req.params.id);
    const count = repo.countTransactionsInCategory(userId, category.id);
    if (!repo.deleteOwnedCategory(userId, category.id)) throw new NotFoundError('That category does not exist.');
    setFlash(
      req,
      'success',
      `Category “${category.name}” deleted; ${count} ${count === 1 ? 'transaction is' : 'transactions are'} now uncategorised.`,
    );
    res.redirect(303, '/categories');
  });

  return router;
}
