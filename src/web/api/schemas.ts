/**
 * The API's wire format, as zod schemas: what each endpoint takes and what it answers. The OpenAPI document is
 * generated from these (openapi.ts), the router types every answer by them, and request bodies are checked by them
 * before the forms' own rules run. They say only what JSON may hold; every rule about amounts, days, names and
 * ownership stays in the forms, the domain and the services, written once.
 */
import { z } from 'zod';
// Types only: zod-openapi's additions to .meta() (ids, examples); nothing of it runs until the document is built.
import type {} from 'zod-openapi';
import { ACCOUNT_KINDS } from '../../domain/accounts.ts';

const id = z.int().positive();
const day = z.iso.date().meta({ example: '2026-03-15' });
const dayOrNull = day.nullable();
const transactionType = z.enum(['income', 'expense']);

/** An amount both ways: integer cents for arithmetic and the exact decimal string for people. Never a float. */
export const Money = z
  .object({
    cents: z.int().meta({ description: 'The amount in integer cents.', example: 123456 }),
    amount: z
      .string()
      .regex(/^-?\d+\.\d{2}$/)
      .meta({ description: 'The same amount as a decimal string with two decimals.', example: '1234.56' }),
  })
  .meta({ id: 'Money' });

/** An RFC 9457 problem document; validation problems list each field's message. */
export const Problem = z
  .object({
    type: z.string().meta({ description: 'A URI naming the kind of problem.', example: '/api/v1/problems/validation' }),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

/** A decimal amount as a person writes it: a string, so no float ever carries money. */
const amountText = z.string().meta({
  description:
    'A positive amount as a decimal string, read as the add form reads it, with a decimal point whatever the caller\'s language: at most two decimals ("1234.56", "12.5", ".75"), commas allowed between thousands ("1,234.56"), spaces around it ignored; at most 1,000,000,000.00. Never a JSON number.',
  example: '12.50',
});
const description = z.string().meta({ description: 'Up to 200 characters; trimmed.', example: 'Coffee' });

export const Transaction = z
  .object({
    id,
    accountId: id,
    type: transactionType,
    cents: z.int().positive(),
    amount: Money.shape.amount,
    date: day,
    description: z.string(),
    categoryId: id.nullable(),
    categoryName: z.string().nullable(),
    refund: z.boolean().meta({ description: 'An income in an expense category: it reduces that category\'s spending.' }),
    status: z.enum(['uncleared', 'cleared', 'reconciled']),
  })
  .meta({ id: 'Transaction' });

export const TransactionPage = z
  .object({
    data: z.array(Transaction),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    totals: z.object({ count: z.int().nonnegative(), income: Money, expenses: Money }).meta({ description: 'Over every row the filters match, not only this page.' }),
  })
  .meta({ id: 'TransactionPage' });

export const TransactionCreate = z
  .strictObject({
    account: id.nullable().optional().meta({ description: 'An open account; left out or null: the last one used, or the first open one.' }),
    type: transactionType,
    amount: amountText,
    date: z.string().optional().meta({ description: 'YYYY-MM-DD; left out: today in your time zone.', example: '2026-03-15' }),
    description: description.optional(),
    category: id
      .nullable()
      .optional()
      .meta({
        description:
          'A category of the type\'s kind, or for an income an expense category (a refund of that category\'s spending). null: uncategorised, and the description is kept as given. Left out on an add: the person\'s rules may set a category and a new description, as they do on the add form and in imports.',
      }),
  })
  .meta({ id: 'TransactionCreate' });

export const TransactionPatch = TransactionCreate.partial()
  .extend({ date: z.string().optional().meta({ description: 'YYYY-MM-DD; left out: unchanged.' }) })
  .meta({ id: 'TransactionPatch', description: 'The fields to change; the others keep their value.' });

export const SummaryQuery = z.object({
  period: z.string().optional().meta({ description: '`YYYY-MM`, `YYYY` or `all`; left out: this month.', example: '2026-03' }),
});

export const TransactionListQuery = z.object({
  account: z.string().optional().meta({ description: 'An account id.' }),
  from: z.string().optional().meta({ description: 'First day, YYYY-MM-DD.' }),
  to: z.string().optional().meta({ description: 'Last day, YYYY-MM-DD.' }),
  type: z.string().optional().meta({ description: '`income` or `expense`.' }),
  category: z.string().optional().meta({ description: 'A category id, or `none` for uncategorised.' }),
  q: z.string().optional().meta({ description: 'Text in the description or category name.' }),
  cursor: z.string().optional().meta({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.string().optional().meta({ description: 'Rows per page, 1 to 200 (default 50).' }),
});

export const Transfer = z
  .object({ id, fromAccountId: id, toAccountId: id, cents: z.int().positive(), amount: Money.shape.amount, date: day, description: z.string() })
  .meta({ id: 'Transfer', description: 'Money moved between two of your accounts: never income or expense.' });

export const TransferPage = z
  .object({
    data: z.array(Transfer),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .meta({ id: 'TransferPage' });

export const TransferListQuery = z.object({
  account: z.string().optional().meta({ description: 'An account id: the transfers out of it or into it.' }),
  from: TransactionListQuery.shape.from,
  to: TransactionListQuery.shape.to,
  cursor: TransactionListQuery.shape.cursor,
  limit: TransactionListQuery.shape.limit,
});

export const TransferCreate = z
  .strictObject({
    from: id,
    to: id,
    amount: amountText,
    date: z.string().optional().meta({ description: 'YYYY-MM-DD; left out: today in your time zone.' }),
    description: description.optional(),
  })
  .meta({ id: 'TransferCreate' });

export const TransferPatch = TransferCreate.partial().meta({ id: 'TransferPatch', description: 'The fields to change; the others keep their value.' });

export const Account = z
  .object({
    id,
    name: z.string(),
    kind: z.enum(ACCOUNT_KINDS),
    archived: z.boolean(),
    openingOn: day,
    opening: Money,
    balance: Money,
    transactionCount: z.int().nonnegative(),
  })
  .meta({ id: 'Account' });

export const AccountCreate = z
  .strictObject({
    name: z.string().meta({ description: 'Up to 60 characters, the category name rule; unique among your accounts ignoring case.', example: 'Savings' }),
    kind: z.enum(ACCOUNT_KINDS),
    opening: z
      .string()
      .optional()
      .meta({ description: 'The opening balance, a decimal string that may be below zero (what is owed on a card or a loan); left out: 0.00.', example: '-500.00' }),
    openingOn: z.string().optional().meta({ description: 'YYYY-MM-DD, the day of the opening balance; left out: today in your time zone.' }),
  })
  .meta({ id: 'AccountCreate' });

export const AccountPatch = AccountCreate.partial()
  .extend({
    opening: z.string().optional().meta({ description: 'The opening balance, a decimal string that may be below zero; left out: unchanged; "" sets 0.00.', example: '-500.00' }),
    openingOn: z.string().optional().meta({ description: 'YYYY-MM-DD; left out: unchanged; "" sets today in your time zone.' }),
    archived: z.boolean().optional().meta({ description: 'Archived: out of the forms, history and balance kept; false brings it back.' }),
  })
  .meta({ id: 'AccountPatch', description: 'The fields to change; the others keep their value.' });

export const Category = z
  .object({ id, kind: transactionType, name: z.string(), transactionCount: z.int().nonnegative() })
  .meta({ id: 'Category' });

export const CategoryCreate = z
  .strictObject({ kind: transactionType, name: z.string().meta({ description: 'Up to 60 characters; trimmed, runs of spaces become one, no control characters; unique per kind ignoring case (a taken name is 422, naming the category that has it).', example: 'Eating out' }) })
  .meta({ id: 'CategoryCreate' });

export const CategoryPatch = z.strictObject({ name: CategoryCreate.shape.name }).meta({ id: 'CategoryPatch' });

export const BudgetLine = z
  .object({
    categoryId: id,
    name: z.string(),
    rollover: z.boolean().meta({ description: 'Whether this month\'s leftover (or overspend) goes on to the next month: the setting saved for this month, or else for the latest month before it.' }),
    budgeted: Money.nullable(),
    carried: Money,
    available: Money,
    spent: Money,
    remaining: Money.nullable().meta({ description: 'Available minus spent; null for a category with no budget this month (nothing budgeted or carried).' }),
    percentUsed: z.int().nonnegative().nullable().meta({ description: 'Spent as a whole percentage of available; null for a category with no budget this month.' }),
    over: z.boolean().meta({ description: 'Spent more than available; always false for a category with no budget this month (its spending is in totals.unbudgetedSpent).' }),
  })
  .meta({ id: 'BudgetLine' });

export const BudgetMonth = z
  .object({
    month: z.string().regex(/^\d{4}-\d{2}$/),
    lines: z.array(BudgetLine),
    totals: z.object({
      budgeted: Money,
      available: Money,
      spent: Money,
      remaining: Money,
      unbudgetedSpent: Money,
      percentUsed: z.int().nonnegative(),
      over: z.boolean(),
    }),
  })
  .meta({ id: 'BudgetMonth' });

export const BudgetLineSet = z
  .strictObject({
    amount: amountText.nullable().meta({ description: 'The month\'s budget; null removes it.' }),
    rollover: z.boolean().optional().meta({
      description: 'Carry what is left (or overspent) into next month. Kept for this month and the months after it up to the next one saved; earlier months keep theirs. Left out: unchanged.',
    }),
  })
  .meta({ id: 'BudgetLineSet' });

export const Schedule = z
  .object({
    id,
    type: z.enum(['income', 'expense', 'transfer']),
    accountId: id,
    toAccountId: id.nullable(),
    categoryId: id.nullable(),
    cents: z.int().positive(),
    amount: Money.shape.amount,
    description: z.string(),
    rule: z.object({
      frequency: z.enum(['days', 'weeks', 'months', 'years']),
      interval: z.int().positive(),
      startOn: day,
      weekday: z.int().min(0).max(6).nullable(),
      monthDay: z.int().min(1).max(31).nullable(),
      endOn: dayOrNull,
      maxCount: z.int().positive().nullable(),
    }),
    nextOn: dayOrNull,
    postedThrough: dayOrNull,
    paused: z.boolean().meta({
      description: 'An account it posts from, or to, is archived: nothing is posted until the account is brought back, and then what fell due meanwhile is.',
    }),
  })
  .meta({ id: 'Schedule' });

export const Summary = z
  .object({
    period: z.object({ param: z.string(), from: dayOrNull, to: dayOrNull }),
    income: Money,
    expenses: Money,
    net: Money,
    balance: Money.meta({
      description: 'All-time income minus all-time expenses, whatever the period (transfers and accounts\' opening balances left out), as the dashboard\'s Balance; /accounts gives each account\'s balance.',
    }),
    topCategories: z.array(z.object({ categoryId: id.nullable(), name: z.string().nullable(), cents: z.int(), amount: Money.shape.amount, percent: z.int().nonnegative() })),
    otherCategories: z.object({ cents: z.int(), amount: Money.shape.amount, percent: z.int().nonnegative() }).nullable(),
  })
  .meta({ id: 'Summary', description: 'The same numbers as the dashboard for the period.' });

export const ScheduleCreate = z
  .strictObject({
    type: z.enum(['income', 'expense', 'transfer']),
    account: id.meta({ description: 'The account it is posted from (or into, for income).' }),
    toAccount: id.nullable().optional().meta({ description: 'The receiving account of a transfer.' }),
    category: id.nullable().optional().meta({ description: 'Not for transfers; null: uncategorised.' }),
    amount: amountText,
    description: description.optional(),
    frequency: z.enum(['days', 'weeks', 'months', 'years']),
    every: z.int().optional().meta({ description: 'Every N days, weeks, months or years (default 1).' }),
    weekday: z.int().nullable().optional().meta({ description: 'Weekly: 0 (Sunday) to 6; left out: the start date\'s.' }),
    monthDay: z.int().nullable().optional().meta({ description: 'Monthly: 1 to 31 (the month\'s last day when shorter); left out: the start date\'s.' }),
    startOn: z.string().meta({ description: 'The first occurrence, YYYY-MM-DD. Occurrences already due are posted at once.', example: '2026-03-01' }),
    endOn: z.string().nullable().optional().meta({ description: 'The last day it may occur, YYYY-MM-DD.' }),
    count: z.int().nullable().optional().meta({ description: 'At most this many occurrences.' }),
  })
  .meta({ id: 'ScheduleCreate' });

export const SchedulePatch = ScheduleCreate.partial().meta({
  id: 'SchedulePatch',
  description: 'The fields to change; the others keep their value. What was due under the old rule is posted first; the new rule applies from the start of today\'s period (month, Monday-to-Sunday week or year; tomorrow for a daily rule), passing over a period that already has an occurrence posted or skipped, so a period never gets two or none; maxCount counts every occurrence posted or skipped under any rule.',
});

export const Rule = z
  .object({
    id,
    position: z.int().positive(),
    text: z.object({ match: z.enum(['contains', 'starts', 'equals']), value: z.string() }).nullable(),
    amount: z.object({ min: Money, max: Money }).nullable().meta({ description: 'Inclusive; min equals max for one exact amount.' }),
    type: transactionType.nullable(),
    accountId: id.nullable(),
    categoryId: id.nullable(),
    transferAccountId: id.nullable().meta({ description: 'A match becomes a transfer with this account instead of an income or expense.' }),
    rename: z.string().nullable(),
  })
  .meta({ id: 'Rule', description: 'Every condition given must hold; for each field the first matching rule in order decides.' });

export const RuleCreate = z
  .strictObject({
    textMatch: z.enum(['contains', 'starts', 'equals']).optional().meta({ description: 'How the description is compared (default contains); case and accents are ignored.' }),
    text: z.string().optional().meta({ description: 'Up to 100 characters; empty or left out: the description is not looked at.', example: 'AMZN' }),
    amountFrom: amountText.optional().meta({ description: 'One amount for an exact match, or with amountTo a range.' }),
    amountTo: amountText.optional(),
    type: transactionType.nullable().optional(),
    account: id.nullable().optional(),
    category: id.nullable().optional().meta({ description: 'The category a match sets.' }),
    transfer: id.nullable().optional().meta({ description: 'Or: the open account a match becomes a transfer with (an expense moves money to it, an income from it); never with a category.' }),
    rename: z.string().nullable().optional().meta({ description: 'The description a match gets.', example: 'Amazon' }),
  })
  .meta({ id: 'RuleCreate', description: 'A rule must look for something (text, amount, type or account) and do something (category or transfer, rename).' });

export const RulePatch = RuleCreate.partial().meta({ id: 'RulePatch', description: 'The fields to change; the others keep their value.' });

/** A list answer: `{ data: [...] }`. */
export const listOf = <T extends z.ZodType>(item: T, name: string) => z.object({ data: z.array(item) }).meta({ id: name });

export const AccountList = listOf(Account, 'AccountList');
export const CategoryList = listOf(Category, 'CategoryList');
export const ScheduleList = listOf(Schedule, 'ScheduleList');
export const RuleList = listOf(Rule, 'RuleList');

/** What an answer of each schema holds, for typing the router's answers. */
export type Wire<T extends z.ZodType> = z.input<T>;
