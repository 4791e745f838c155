import { z } from 'zod';
import { CSV_DATE_FORMATS, CSV_ENCODINGS, MAX_SKIP_ROWS, type CsvDelimiter, type ImportMapping, type ImportOptions } from '../../domain/imports.ts';
import { formText, idText, typedValues, type FieldErrors } from '../form-fields.ts';
import { msg, type MessageKey } from '../i18n.ts';

const FIELDS = [
  'delimiter',
  'header',
  'date',
  'amount',
  'type',
  'category',
  'description',
  'account',
  'transfer',
  'inflow',
  'currency',
  'signs',
  'dateFormat',
  'decimal',
  'encoding',
  'skipRows',
  'unknownCategories',
  'keepDuplicates',
  'targetAccount',
  'unknownAccounts',
] as const;

/** The mapping form as typed: raw strings, shown back as they were. */
export type ImportMappingValues = Record<(typeof FIELDS)[number], string>;

const DELIMITERS: Record<string, CsvDelimiter> = { comma: ',', semicolon: ';', tab: '\t' };

/** The lines above the table a form value names, if it is a number the import takes. */
export function skipRowsNamed(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d{1,2}$/.test(value) && Number(value) <= MAX_SKIP_ROWS ? Number(value) : undefined;
}

/** The delimiter a form value names, if it names one. */
export function delimiterNamed(name: unknown): CsvDelimiter | undefined {
  return typeof name === 'string' && Object.hasOwn(DELIMITERS, name) ? DELIMITERS[name] : undefined;
}

/** Form name of a delimiter, for building the form's values from a mapping. */
function delimiterName(delimiter: CsvDelimiter): string {
  return delimiter === ';' ? 'semicolon' : delimiter === '\t' ? 'tab' : 'comma';
}

/** Form values that show a mapping and options. */
export function mappingValuesFor(mapping: ImportMapping, options: ImportOptions): ImportMappingValues {
  const col = (c: number | null) => (c === null ? '' : String(c));
  return {
    delimiter: delimiterName(mapping.delimiter),
    header: mapping.hasHeader ? '1' : '',
    date: col(mapping.dateColumn),
    amount: col(mapping.amountColumn),
    type: col(mapping.typeColumn),
    category: col(mapping.categoryColumn),
    description: col(mapping.descriptionColumn),
    account: col(mapping.accountColumn ?? null),
    transfer: col(mapping.transferColumn ?? null),
    inflow: col(mapping.inflowColumn ?? null),
    currency: col(mapping.currencyColumn ?? null),
    signs: mapping.spendingPositive === true ? 'spending-positive' : 'spending-negative',
    dateFormat: mapping.dateFormat,
    decimal: mapping.decimalSeparator,
    encoding: mapping.encoding ?? 'utf-8',
    skipRows: String(mapping.skipRows ?? 0),
    unknownCategories: options.unknownCategories,
    keepDuplicates: options.keepDuplicates ? '1' : '',
    targetAccount: options.targetAccountId == null ? '' : String(options.targetAccountId),
    unknownAccounts: options.unknownAccounts ?? 'create',
  };
}

const tick = formText('import.map.tick').pipe(z.enum(['', '1'], { error: 'import.map.tick' }).transform((v) => v === '1'));

/** Everything but the column choices, which depend on the file. */
const settingsSchema = z.object({
  delimiter: formText('import.map.chooseDelimiter').pipe(
    z.enum(['comma', 'semicolon', 'tab'], { error: 'import.map.chooseDelimiter' }).transform((name) => DELIMITERS[name]!),
  ),
  header: tick,
  dateFormat: formText('import.map.chooseDateFormat').pipe(z.enum(CSV_DATE_FORMATS, { error: 'import.map.chooseDateFormat' })),
  decimal: formText('import.map.chooseDecimal').pipe(z.enum(['dot', 'comma'], { error: 'import.map.chooseDecimal' })),
  // Left out (a form from before there was a choice): spending is negative.
  signs: formText('import.map.chooseSigns').pipe(
    z.enum(['', 'spending-negative', 'spending-positive'], { error: 'import.map.chooseSigns' }).transform((v) => v === 'spending-positive'),
  ),
  // Left out (a form from before there was a choice): none.
  skipRows: formText('import.map.chooseSkipRows').pipe(
    z.union([z.literal('').transform(() => 0), z.string().regex(/^\d{1,2}$/).transform(Number).refine((n) => n <= MAX_SKIP_ROWS)], { error: 'import.map.chooseSkipRows' }),
  ),
  // Left out (a form from before there was a choice): UTF-8.
  encoding: formText('import.map.chooseEncoding').pipe(
    z.enum(['', ...CSV_ENCODINGS], { error: 'import.map.chooseEncoding' }).transform((v) => (v === '' ? 'utf-8' : v)),
  ),
  unknownCategories: formText('import.map.chooseUnknownCategories').pipe(
    z.enum(['create', 'uncategorised'], { error: 'import.map.chooseUnknownCategories' }),
  ),
  keepDuplicates: tick,
  // Empty: the first open account. Whether the id is the user's and open is the import's to check.
  targetAccount: formText('validation.once.account').pipe(
    z.union([z.literal('').transform(() => null), idText], { error: 'validation.account.choose' }),
  ),
  unknownAccounts: formText('import.map.chooseUnknownAccounts').pipe(
    z.enum(['', 'create', 'refuse'], { error: 'import.map.chooseUnknownAccounts' }).transform((v) => (v === '' ? 'create' : v)),
  ),
});

type ColumnField = 'date' | 'amount' | 'type' | 'category' | 'description' | 'account' | 'transfer' | 'inflow' | 'currency';
/** Each column choice, with its messages: the column is missing, or already used for this field. */
const COLUMNS: { name: ColumnField; required: boolean; missing: MessageKey; taken: MessageKey }[] = [
  { name: 'date', required: true, missing: 'import.map.chooseColumn.date', taken: 'import.map.columnTaken.date' },
  { name: 'amount', required: true, missing: 'import.map.chooseColumn.amount', taken: 'import.map.columnTaken.amount' },
  { name: 'type', required: false, missing: 'import.map.chooseColumn.type', taken: 'import.map.columnTaken.type' },
  { name: 'category', required: false, missing: 'import.map.chooseColumn.category', taken: 'import.map.columnTaken.category' },
  { name: 'description', required: false, missing: 'import.map.chooseColumn.description', taken: 'import.map.columnTaken.description' },
  { name: 'account', required: false, missing: 'import.map.chooseColumn.account', taken: 'import.map.columnTaken.account' },
  { name: 'transfer', required: false, missing: 'import.map.chooseColumn.transfer', taken: 'import.map.columnTaken.transfer' },
  { name: 'inflow', required: false, missing: 'import.map.chooseColumn.inflow', taken: 'import.map.columnTaken.inflow' },
  { name: 'currency', required: false, missing: 'import.map.chooseColumn.currency', taken: 'import.map.columnTaken.currency' },
];

export type ImportMappingResult =
  | { ok: true; mapping: ImportMapping; options: ImportOptions; values: ImportMappingValues }
  | { ok: false; errors: FieldErrors; values: ImportMappingValues };

/**
 * Validates the mapping form (query string for the preview, body for the import) against the file's column count:
 * date and amount are required, every chosen column exists and no column is used twice.
 */
export function parseImportMapping(body: unknown, columnCount: number): ImportMappingResult {
  const values = typedValues(body, FIELDS);
  const errors: FieldErrors = {};
  const settings = settingsSchema.safeParse(body !== null && typeof body === 'object' ? body : {});
  // Every message of the settings schema is a catalogue key (formText and the enums above pass one).
  if (!settings.success) for (const issue of settings.error.issues) errors[String(issue.path[0])] ??= msg(issue.message as MessageKey);

  const column = z.string().regex(/^\d{1,3}$/).transform(Number).refine((n) => n < columnCount);
  const used = new Map<number, MessageKey>();
  const chosen: Partial<Record<ColumnField, number | null>> = {};
  for (const { name, required, missing, taken } of COLUMNS) {
    const raw = values[name];
    if (raw === '') {
      if (required) errors[name] = msg(missing);
      chosen[name] = null;
      continue;
    }
    const index = column.safeParse(raw);
    if (!index.success) {
      errors[name] = msg('import.map.chooseFileColumn', { count: columnCount });
      continue;
    }
    const other = used.get(index.data);
    if (other !== undefined) {
      errors[name] = msg(other);
      continue;
    }
    used.set(index.data, taken);
    chosen[name] = index.data;
  }

  // Money in says which way each row goes, as a type column would: one or the other.
  if (chosen.inflow != null && chosen.type != null) errors.inflow ??= msg('import.map.inflowAndType');
  const { date: dateColumn, amount: amountColumn } = chosen;
  if (!settings.success || Object.keys(errors).length > 0 || dateColumn == null || amountColumn == null) {
    return { ok: false, errors, values };
  }
  const s = settings.data;
  return {
    ok: true,
    values,
    mapping: {
      delimiter: s.delimiter,
      hasHeader: s.header,
      dateColumn,
      amountColumn,
      typeColumn: chosen.type ?? null,
      categoryColumn: chosen.category ?? null,
      descriptionColumn: chosen.description ?? null,
      accountColumn: chosen.account ?? null,
      transferColumn: chosen.transfer ?? null,
      inflowColumn: chosen.inflow ?? null,
      currencyColumn: chosen.currency ?? null,
      dateFormat: s.dateFormat,
      decimalSeparator: s.decimal,
      encoding: s.encoding,
      skipRows: s.skipRows,
      // Only when reversed, so a mapping read from an older form or layout stays as it was.
      ...(s.signs ? { spendingPositive: true } : {}),
    },
    options: {
      unknownCategories: s.unknownCategories,
      keepDuplicates: s.keepDuplicates,
      targetAccountId: s.targetAccount,
      unknownAccounts: s.unknownAccounts as 'create' | 'refuse',
    },
  };
}
