import type { DecimalSeparator } from '../../services/csv-amount.ts';
import { CSV_DATE_FORMATS, type CsvDateFormat } from '../../services/csv-date.ts';
import type { CsvDelimiter, ImportMapping, ImportWriteOptions } from '../../services/csv-import.ts';
import { textField, type FieldErrors } from '../form-fields.ts';

/** The mapping form as typed: raw strings, shown back as they were. */
export interface ImportMappingValues {
  delimiter: string;
  header: string;
  date: string;
  amount: string;
  type: string;
  category: string;
  description: string;
  dateFormat: string;
  decimal: string;
  unknownCategories: string;
  keepDuplicates: string;
}

const DELIMITER_NAMES: Record<string, CsvDelimiter> = { comma: ',', semicolon: ';', tab: '\t' };

/** Form name of a delimiter, for building the form's values from a mapping. */
export function delimiterName(delimiter: CsvDelimiter): string {
  return delimiter === ';' ? 'semicolon' : delimiter === '\t' ? 'tab' : 'comma';
}

/** Form values that show a mapping and options. */
export function mappingValuesFor(mapping: ImportMapping, options: ImportWriteOptions): ImportMappingValues {
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

export type ImportMappingResult =
  | { ok: true; mapping: ImportMapping; options: ImportWriteOptions; values: ImportMappingValues }
  | { ok: false; errors: FieldErrors; values: ImportMappingValues };

/**
 * Validates the mapping form (query string for the preview, body for the import) against the file's column count:
 * date and amount are required, every chosen column exists and no column is used twice.
 */
export function parseImportMapping(body: unknown, columnCount: number): ImportMappingResult {
  const read = (name: string) => textField(body, name) ?? '';
  const values: ImportMappingValues = {
    delimiter: read('delimiter'),
    header: read('header'),
    date: read('date'),
    amount: read('amount'),
    type: read('type'),
    category: read('category'),
    description: read('description'),
    dateFormat: read('dateFormat'),
    decimal: read('decimal'),
    unknownCategories: read('unknownCategories'),
    keepDuplicates: read('keepDuplicates'),
  };
  const errors: FieldErrors = {};
  const delimiter = DELIMITER_NAMES[values.delimiter];
  if (delimiter === undefined) errors.delimiter = 'Choose comma, semicolon or tab.';

  const used = new Map<number, string>();
  const column = (name: 'date' | 'amount' | 'type' | 'category' | 'description', label: string, required: boolean) => {
    const raw = values[name];
    if (raw === '') {
      if (required) errors[name] = `Choose the column that holds the ${label}.`;
      return null;
    }
    if (!/^\d{1,3}$/.test(raw) || Number(raw) >= columnCount) {
      errors[name] = `Choose one of the file's ${columnCount} columns.`;
      return null;
    }
    const index = Number(raw);
    const other = used.get(index);
    if (other !== undefined) {
      errors[name] = `That column is already the ${other}; each column can be used once.`;
      return null;
    }
    used.set(index, label);
    return index;
  };
  const dateColumn = column('date', 'date', true);
  const amountColumn = column('amount', 'amount', true);
  const typeColumn = column('type', 'type', false);
  const categoryColumn = column('category', 'category', false);
  const descriptionColumn = column('description', 'description', false);

  const dateFormat = (CSV_DATE_FORMATS as readonly string[]).includes(values.dateFormat)
    ? (values.dateFormat as CsvDateFormat)
    : undefined;
  if (dateFormat === undefined) errors.dateFormat = 'Choose how the dates are written.';
  const decimal: DecimalSeparator | undefined =
    values.decimal === 'dot' || values.decimal === 'comma' ? values.decimal : undefined;
  if (decimal === undefined) errors.decimal = 'Choose dot or comma.';
  const unknownCategories =
    values.unknownCategories === 'create' || values.unknownCategories === 'uncategorised' ? values.unknownCategories : undefined;
  if (unknownCategories === undefined) errors.unknownCategories = 'Choose what to do with categories you do not have yet.';
  if (values.header !== '' && values.header !== '1') errors.header = 'Tick the box or leave it empty.';
  if (values.keepDuplicates !== '' && values.keepDuplicates !== '1') errors.keepDuplicates = 'Tick the box or leave it empty.';

  if (
    Object.keys(errors).length > 0 ||
    delimiter === undefined ||
    dateColumn === null ||
    amountColumn === null ||
    dateFormat === undefined ||
    decimal === undefined ||
    unknownCategories === undefined
  ) {
    return { ok: false, errors, values };
  }
  return {
    ok: true,
    values,
    mapping: {
      delimiter,
      hasHeader: values.header === '1',
      dateColumn,
      amountColumn,
      typeColumn,
      categoryColumn,
      descriptionColumn,
      dateFormat,
      decimalSeparator: decimal,
    },
    options: { unknownCategories, keepDuplicates: values.keepDuplicates === '1' },
  };
}
