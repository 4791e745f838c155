import assert from 'node:assert/strict';
import { tokenFor, type Agent } from './app.ts';
import { waitUntil } from './server-process.ts';

/** Posts a file through the upload form as a browser would (multipart, token field first). */
export async function upload(agent: Agent, content: string | Buffer, token?: string | null) {
  const csrf = token === undefined ? await tokenFor(agent, '/import') : token;
  const req = agent.post('/import');
  if (csrf !== null) req.field('_csrf', csrf);
  return req.attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), {
    filename: 'bank.csv',
    contentType: 'text/csv',
  });
}

/** The hidden fields of the Import form under the preview: exactly what pressing Import sends. */
export function importFormFields(html: string): Record<string, string> {
  const form = /<form method="post" action="\/import\/[a-f0-9]{32}" class="import-go">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error('the page has no Import button');
  return Object.fromEntries([...form[1]!.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
}

/** Whether a progress page shows an import still waiting or running (the page marks its progress section so). */
export function importStillRunning(html: string): boolean {
  return html.includes('data-import-running');
}

/** Waits for the progress page to show the finished (or failed) import, as pressing Check progress would. */
export function finishedPage(agent: Agent, url: string): Promise<string> {
  return waitUntil(`the import at ${url} to finish`, async () => {
    const res = await agent.get(url);
    assert.equal(res.status, 200, `progress page ${url}`);
    return importStillRunning(res.text) ? undefined : res.text;
  });
}

/**
 * Uploads, optionally changes mapping settings and updates the preview (GET, like the "Update preview" button),
 * then presses Import. Returns the preview page and the finished result page.
 */
export async function importCsv(agent: Agent, content: string | Buffer, settings: Record<string, string> = {}) {
  const up = await upload(agent, content);
  assert.equal(up.status, 303, `upload answered ${up.status}: ${up.text?.slice(0, 300)}`);
  const mapUrl = up.headers.location!;
  let preview = await agent.get(mapUrl);
  if (Object.keys(settings).length > 0) {
    const query = new URLSearchParams({ ...importFormFields(preview.text), ...settings });
    for (const [k, v] of Object.entries(settings)) if (v === '') query.delete(k);
    preview = await agent.get(`${mapUrl}?${query}`);
  }
  assert.equal(preview.status, 200);
  const token = /name="_csrf" value="([^"]+)"/.exec(preview.text.slice(preview.text.indexOf('class="import-go"')))![1]!;
  const posted = await agent.post(mapUrl).type('form').send({ ...importFormFields(preview.text), _csrf: token });
  assert.equal(posted.status, 303, `import answered ${posted.status}`);
  return { preview: preview.text, result: await finishedPage(agent, posted.headers.location!), mapUrl };
}
