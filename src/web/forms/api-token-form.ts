import { z } from 'zod';
import { TOKEN_LIFETIMES, TOKEN_NAME_MAX, TOKEN_SCOPES, type TokenLifetime, type TokenScope } from '../../domain/api-tokens.ts';
import { addFieldIssue, formText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';

const schema = z.object({
  name: formText('validation.once.name').transform((text, ctx) => {
    const name = text.trim();
    if (name === '' || [...name].length > TOKEN_NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
      addFieldIssue(ctx, 'apiTokens.invalidName', { max: TOKEN_NAME_MAX });
      return z.NEVER;
    }
    return name;
  }),
  scope: formText('apiTokens.chooseScope').pipe(z.enum(TOKEN_SCOPES, { error: 'apiTokens.chooseScope' })),
  lifetime: formText('apiTokens.chooseLifetime').pipe(z.enum(['never', '30', '90', '365'], { error: 'apiTokens.chooseLifetime' })),
  // Checked by the service; a missing one is its message too.
  password: formText('validation.once.passwordOnce').optional().transform((text) => text ?? ''),
});

/** What the token form shows back. */
export type ApiTokenFormValues = { name: string; scope: string; lifetime: string };

/** The new-token form: a name, read or read-write, and how many days it lives (or never expires). */
export function parseApiTokenForm(
  body: unknown,
): { ok: true; name: string; scope: TokenScope; lifetimeDays: TokenLifetime; password: string } | { ok: false; errors: FieldErrors; values: ApiTokenFormValues } {
  const parsed = parseForm(schema, body);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values: typedValues(body, ['name', 'scope', 'lifetime'] as const) };
  const days = parsed.data.lifetime === 'never' ? null : Number(parsed.data.lifetime);
  return { ok: true, name: parsed.data.name, scope: parsed.data.scope, lifetimeDays: TOKEN_LIFETIMES.find((d) => d === days) ?? null, password: parsed.data.password };
}
