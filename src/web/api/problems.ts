import type { Response } from 'express';

/** One field's problem in a refused request body. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Answers with an RFC 9457 problem document (`application/problem+json`): a type URI under /api/v1/problems, a
 * title, the status, a detail for this case and, for validation, the field-by-field list.
 */
export function sendProblem(res: Response, status: number, type: string, title: string, detail: string, errors?: readonly FieldProblem[]): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: `/api/v1/problems/${type}`, title, status, detail, ...(errors ? { errors } : {}) }));
}
