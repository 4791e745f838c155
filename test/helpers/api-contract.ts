/**
 * The API's contract, checked on every answer of every test: each response under /api/v1 is validated against the
 * OpenAPI document the app serves at /api/v1/openapi.json (the same object: api.test.ts proves the served JSON equals
 * it). An undocumented status, media type or body shape is a violation; the test that caused it fails when its app
 * stops (helpers/app.ts), and any left over fail the test process at exit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { apiDocument, loadApiDocument } from '../../src/web/api/openapi.ts';

// The document's generator loads lazily in the app; the suites read the document from the start.
await loadApiDocument();

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const PREFIX = '/api/v1';

interface Operation {
  readonly responses: Record<string, { content?: Record<string, unknown> }>;
}

let compiled: { ajv: Ajv2020; paths: { pattern: RegExp; template: string }[]; doc: { paths: Record<string, Record<string, Operation>> } } | undefined;

function contract() {
  if (!compiled) {
    // A JSON round trip: exactly what the route serves, without zod's objects.
    const doc = JSON.parse(JSON.stringify(apiDocument())) as { paths: Record<string, Record<string, Operation>> };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc as object, 'openapi.json');
    const paths = Object.keys(doc.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
    compiled = { ajv, paths, doc };
  }
  return compiled;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map<string, ValidateFunction>();
function validatorFor(ref: string): ValidateFunction {
  let validate = validators.get(ref);
  if (!validate) {
    validate = contract().ajv.compile({ $ref: `openapi.json#/${ref}` });
    validators.set(ref, validate);
  }
  return validate;
}

/** What was wrong with one answer, or undefined when it keeps the contract. */
export function contractViolation(method: string, url: string, status: number, contentType: string | undefined, body: Buffer): string | undefined {
  const { paths, doc } = contract();
  const path = url.slice(PREFIX.length).split('?')[0] || '/';
  const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  const template = paths.find((p) => p.pattern.test(path))?.template;
  const operation = template ? doc.paths[template]?.[verb] : undefined;
  const where = `${method} ${url} → ${status}`;
  const mediaType = (contentType ?? '').split(';')[0]!.trim();

  let schemaRef: string;
  // OPTIONS is answered for every path the API has, with its Allow header and no body.
  if (verb === 'options' && status === 204 && template !== undefined) return body.length === 0 ? undefined : `${where}: an OPTIONS answer with a body`;
  if (!operation) {
    // Not an operation of the document: it may only be refused, with a problem document.
    if (status < 400 || mediaType !== 'application/problem+json') return `${where}: not a documented operation, yet answered ${status} ${mediaType}`;
    schemaRef = pointer('components', 'schemas', 'Problem');
  } else {
    const response = operation.responses[String(status)];
    if (!response) return `${where}: status ${status} is not documented for ${verb.toUpperCase()} ${template}`;
    if (!response.content) return body.length === 0 ? undefined : `${where}: documented without a body, yet ${body.length} bytes were sent`;
    if (!(mediaType in response.content)) return `${where}: ${mediaType || 'no content type'} is not among ${Object.keys(response.content).join(', ')}`;
    schemaRef = pointer('paths', template!, verb, 'responses', String(status), 'content', mediaType, 'schema');
  }
  if (method.toLowerCase() === 'head') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return `${where}: the body is not JSON`;
  }
  const validate = validatorFor(schemaRef);
  if (validate(parsed)) return undefined;
  return `${where}: ${contract().ajv.errorsText(validate.errors, { dataVar: 'body' })}`;
}

/** Answers that broke the contract and no test has reported yet. */
const unreported: string[] = [];
process.once('exit', () => {
  if (unreported.length > 0) {
    console.error(`API answers that break the OpenAPI document:\n${unreported.join('\n')}`);
    process.exitCode = 1;
  }
});

/**
 * Watches one request: when it is under /api/v1, keeps the bytes of its answer and checks them against the document
 * once the answer is sent, adding any violation to `into`.
 */
export function watchApiAnswer(req: IncomingMessage, res: ServerResponse, into: string[]): void {
  const url = req.url ?? '';
  if (url !== PREFIX && !url.startsWith(`${PREFIX}/`) && !url.startsWith(`${PREFIX}?`)) return;
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return end(...args);
  }) as typeof res.end;
  res.once('finish', () => {
    const header = res.getHeader('content-type');
    const violation = contractViolation(req.method ?? 'GET', url, res.statusCode, header === undefined ? undefined : String(header), Buffer.concat(chunks));
    if (violation) {
      into.push(violation);
      unreported.push(violation);
    }
  });
}

/** Takes the violations of one app's answers, marking them reported. */
export function takeViolations(from: string[]): string[] {
  const taken = from.splice(0);
  for (const v of taken) unreported.splice(unreported.indexOf(v), 1);
  return taken;
}
