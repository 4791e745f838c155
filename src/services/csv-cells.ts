/**
 * Spreadsheet formula injection guard, shared by export and import so a round trip is exact.
 *
 * The rule: on export, a cell that starts with zero or more single quotes followed by one of `=`, `+`, `-`, `@`,
 * tab or carriage return gets one extra single quote in front. On import, a cell that starts with one or more
 * single quotes followed by one of those characters loses exactly one leading quote. Every other cell passes
 * through untouched both ways, so `'Tis the season` from another app keeps its quote, and our own export of
 * `'=x` (written as `''=x`) comes back as `'=x`, not `=x`.
 */
const NEEDS_GUARD = /^'*[=+\-@\t\r]/;
const GUARDED = /^'+[=+\-@\t\r]/;

/** The cell as it should be written to a CSV file a spreadsheet may open: formula triggers get a leading quote. */
export function neutraliseCsvCell(value: string): string {
  return NEEDS_GUARD.test(value) ? `'${value}` : value;
}

/** Undoes neutraliseCsvCell exactly: drops the one quote it would have added, leaves everything else alone. */
export function restoreCsvCell(value: string): string {
  return GUARDED.test(value) ? value.slice(1) : value;
}
