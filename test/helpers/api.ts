import assert from 'node:assert/strict';
import { apiDocument, loadApiDocument } from '../../src/web/api/openapi.ts';

// The document's generator loads lazily in the app; the suites read the document from the start.
await loadApiDocument();
import { postForm, TEST_PASSWORD, type Agent } from './app.ts';

/** Makes a personal access token through the real form and reads it off the page, where it is shown once. */
export async function makeApiToken(agent: Agent, fields: { name: string; scope: 'read' | 'read-write'; lifetime: string }, password = TEST_PASSWORD): Promise<string> {
  const made = await postForm(agent, '/account/api-tokens', '/account/api-tokens', { ...fields, password });
  assert.equal(made.status, 303);
  const page = (await agent.get('/account/api-tokens')).text;
  return /<code class="api-token" id="fresh-token">(lgy_[A-Za-z0-9_-]{43})<\/code>/.exec(page)![1]!;
}

/** One operation of the served document, as the API suites drive it. */
export interface ApiOperation {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The path template under /api/v1, such as /transactions/{id}. */
  readonly template: string;
  readonly pathParams: string[];
  readonly queryParams: string[];
  /** The body's property names, when it takes a JSON body. */
  readonly bodyFields: string[] | undefined;
}

interface DocumentShape {
  paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

/** Every operation of the OpenAPI document but the document itself: the API suites cover what it lists. */
export function apiOperations(): ApiOperation[] {
  const doc = JSON.parse(JSON.stringify(apiDocument())) as DocumentShape;
  const operations: ApiOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    if (template === '/openapi.json') continue;
    for (const [method, op] of Object.entries(item)) {
      const ref = op.requestBody?.content['application/json']?.schema.$ref;
      const schema = ref ? doc.components.schemas[ref.split('/').pop()!] : undefined;
      operations.push({
        method: method as ApiOperation['method'],
        template,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: schema ? Object.keys(schema.properties ?? {}) : undefined,
      });
    }
  }
  return operations;
}

/** A path template filled in: {name} by values[name]. */
export const fillTemplate = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(String(values[name])));
