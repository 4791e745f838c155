import { CategoryNameTakenError, type CategoriesRepo } from '../db/repos/categories.ts';
import type { RulesRepo } from '../db/repos/rules.ts';
import type { BudgetsRepo } from '../db/repos/budgets.ts';
import type { SchedulesRepo } from '../db/repos/schedules.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import type { Category, CategoryKind, CategoryWithCount } from '../domain/categories.ts';

export type CategoryChange =
  | { ok: true; category: Category }
  | { ok: false; problem: 'taken'; existing: Category | undefined }
  | { ok: false; problem: 'not-found' };

/** The user's categories: list with counts, create, rename, delete. Names arrive normalised (domain/categories.ts). */
/** What deleting a category does beyond it: transactions and schedules left uncategorised, and its rules. */
export interface CategoryDeletion {
  readonly uncategorised: number;
  readonly schedules: number;
  /** Monthly budget amounts for it: deleted with it, so past months' budget totals change. */
  readonly budgetAmounts: number;
  /** Rules that only set this category: deleted with it. */
  readonly rulesRemoved: number;
  /** Rules that also rename: they keep the rename and set no category. */
  readonly rulesKept: number;
}

export function createCategoryService(deps: {
  categories: CategoriesRepo;
  rules: Pick<RulesRepo, 'countRulesSettingCategory' | 'keepRenamesWithoutCategory'>;
  schedules: Pick<SchedulesRepo, 'countSchedulesInCategory'>;
  budgets: Pick<BudgetsRepo, 'countAmountsOfCategory'>;
  inTransaction: RunInTransaction;
}) {
  const repo = deps.categories;
  return {
    /** Income and expense categories with how many transactions carry each. */
    listWithCounts(userId: number): { income: CategoryWithCount[]; expense: CategoryWithCount[] } {
      const all = repo.listCategoriesWithCounts(userId);
      return { income: all.filter((c) => c.kind === 'income'), expense: all.filter((c) => c.kind === 'expense') };
    },

    /** The user's category, or undefined when there is none of theirs with this id. */
    find(userId: number, id: number): Category | undefined {
      return repo.findOwnedCategory(userId, id);
    },

    /** The category and how many transactions would lose it if it were deleted. */
    findWithCount(userId: number, id: number): { category: Category; count: number } | undefined {
      const category = repo.findOwnedCategory(userId, id);
      return category && { category, count: repo.countTransactionsInCategory(userId, category.id) };
    },

    /** The category and what deleting it would do (for its confirmation). */
    deletionOf(userId: number, id: number): { category: Category; deletion: CategoryDeletion } | undefined {
      const category = repo.findOwnedCategory(userId, id);
      return category && { category, deletion: deletionOf(userId, category.id) };
    },

    /** Creates a category; 'taken' when the user has one of that kind whose name is the same ignoring case. */
    create(userId: number, kind: CategoryKind, name: string): CategoryChange {
      try {
        return { ok: true, category: repo.createCategory(userId, kind, name) };
      } catch (err) {
        if (err instanceof CategoryNameTakenError) return { ok: false, problem: 'taken', existing: repo.findCategoryByName(userId, kind, name) };
        throw err;
      }
    },

    /** Renames the user's category. */
    rename(userId: number, id: number, name: string): CategoryChange {
      const category = repo.findOwnedCategory(userId, id);
      if (!category) return { ok: false, problem: 'not-found' };
      try {
        if (!repo.renameOwnedCategory(userId, id, name)) return { ok: false, problem: 'not-found' };
      } catch (err) {
        if (err instanceof CategoryNameTakenError) return { ok: false, problem: 'taken', existing: repo.findCategoryByName(userId, category.kind, name) };
        throw err;
      }
      return { ok: true, category: { ...category, name } };
    },

    /**
     * Deletes the user's category; its transactions and schedules stay, uncategorised, and so do its rules that also
     * rename (they keep the rename); rules that only set it go with it. Says what that was.
     */
    delete(userId: number, id: number): ({ category: Category } & CategoryDeletion) | undefined {
      return deps.inTransaction(() => {
        const category = repo.findOwnedCategory(userId, id);
        if (!category) return undefined;
        const deletion = deletionOf(userId, id);
        deps.rules.keepRenamesWithoutCategory(userId, id);
        repo.deleteOwnedCategory(userId, id);
        return { category, ...deletion };
      });
    },
  };

  function deletionOf(userId: number, id: number): CategoryDeletion {
    const rules = deps.rules.countRulesSettingCategory(userId, id);
    return {
      uncategorised: repo.countTransactionsInCategory(userId, id),
      schedules: deps.schedules.countSchedulesInCategory(userId, id),
      budgetAmounts: deps.budgets.countAmountsOfCategory(userId, id),
      rulesRemoved: rules.onlyCategory,
      rulesKept: rules.alsoRename,
    };
  }
}

export type CategoryService = ReturnType<typeof createCategoryService>;
