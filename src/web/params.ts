import type { Msg } from './i18n.ts';
import { idText } from './form-fields.ts';
import { NotFoundError } from './errors.ts';

/** Reads a route id: positive whole numbers only; anything else is simply not found. */
export function parseIdParam(raw: unknown, message?: Msg): number {
  const id = idText.safeParse(raw);
  if (!id.success) throw new NotFoundError(message);
  return id.data;
}
