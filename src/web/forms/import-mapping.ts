import { z } from 'zod';
import { CSV_DATE_FORMATS, type CsvDelimiter, type ImportMapping, type ImportOptions } from '../../domain/imports.ts';
import { formText, typedValues, type FieldErrors } from '../form-fields.ts';

const FIELDS = [
  'delimiter',
  'header',
  'date',
  'amount',
  'type',
  'category',
  'description',
  'dateFormat',
  'decimal',
  'unknownCategories',
  'keepDuplicates',
] as const;

/** The mapping form as typed: raw strings, shown back as they were. */
export type ImportMappingValues = Record<(typeof FIELDS)[number], string>;

const DELIMITERS: Record<string, CsvDelimiter> = { comma: ',', semicolon: ';', tab: '\t' };

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
    dateFormat: mapping.dateFormat,
    decimal: mapping.decimalSeparator,
    unknownCategories: options.unknownCategories,
    keepDuplicates: options.keepDuplicates ? '1' : '',
  };
}

const tick = formText('Tick the box or leave it empty.').pipe(
  z.enum(['', '1'], { error: 'Tick the box or leave it empty.' }).transform((v) => v === '1'),
);

/** Everything but the column choices, which depend on the file. */
const settingsSchema = z.object({
  delimiter: formText('Choose comma, semicolon or tab.').pipe(
    z.enum(['comma', 'semicolon', 'tab'], { error: 'Choose comma, semicolon or tab.' }).transform((name) => DELIMITERS[name]!),
  ),
  header: tick,
  dateFormat: formText('Choose how the dates are written.').pipe(z.enum(CSV_DATE_FORMATS, { error: 'Choose how the dates are written.' })),
  decimal: formText('Choose dot or comma.').pipe(z.enum(['dot', 'comma'], { error: 'Choose dot or comma.' })),
  unknownCategories: formText('Choose what to do with categories you do not have yet.').pipe(
    z.enum(['create', 'uncategorised'], { error: 'Choose what to do with categories you do not have yet.' }),
  ),
  keepDuplicates: tick,
});

type ColumnField = 'date' | 'amount' | 'type' | 'category' | 'description';
const COLUMNS: { name: ColumnField; label: string; required: boolean }[] = [
  { name: 'date', label: 'date', required: true },
  { name: 'amount', label: 'amount', required: true },
  { name: 'type', label: 'type', required: false },
  { name: 'category', label: 'category', required: false },
  { name: 'description', label: 'description', required: false },
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
  if (!settings.success) for (const issue of settings.error.issues) errors[String(issue.path[0])] ??= issue.message;

  const column = z.string().regex(/^\d{1,3}$/).transform(Number).refine((n) => n < columnCount);
  const used = new Map<number, string>();
  const chosen: Partial<Record<ColumnField, number | null>> = {};
  for (const { name, label, required } of COLUMNS) {
    const raw = values[name];
    if (raw === '') {
      if (required) errors[name] = `Choose the column that holds the ${label}.`;
      chosen[name] = null;
      continue;
    }
    const index = column.safeParse(raw);
    if (!index.success) {
      errors[name] = `Choose one of the file's ${columnCount} columns.`;
      continue;
    }
    const other = used.get(index.data);
    if (other !== undefined) {
      errors[name] = `That column is already the ${other}; each column can be used once.`;
      continue;
    }
    used.set(index.data, label);
    chosen[name] = index.data;
  }

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
      dateFormat: s.dateFormat,
      decimalSeparator: s.decimal,
    },
    options: { unknownCategories: s.unknownCategories, keepDuplicates: s.keepDuplicates },
  };
}
