import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './paths.ts';

const VNU_JAR = path.join(REPO_ROOT, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');

interface NuMessage {
  type: string;
  url?: string;
  message: string;
  extract?: string;
  lastLine?: number;
}

/**
 * Checks pages with the Nu Html Checker (vnu.jar, the W3C validator's engine) in one Java process and returns its
 * errors as "page: message (extract)" lines; empty when every page is valid HTML.
 */
export async function nuCheckerErrors(pages: readonly { name: string; html: string }[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-vnu-'));
  try {
    const files = pages.map((page, i) => {
      const file = path.join(dir, `${String(i).padStart(3, '0')}-${page.name.replace(/[^\w-]+/g, '_')}.html`);
      writeFileSync(file, page.html);
      return file;
    });
    // C1 only (TieredStopAtLevel=1) and the serial collector halve the checker's CPU for a run this short; its
    // schema check then needs a deeper stack than the default to report an error at all.
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        'java',
        ['-Xss4m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', VNU_JAR, '--errors-only', '--format', 'json', '--exit-zero-always', ...files],
        { maxBuffer: 64 * 1024 * 1024 },
        (err, _stdout, stderr) => (err ? reject(new Error(`vnu.jar did not run (is Java installed?): ${err.message}`)) : resolve(stderr)),
      );
    });
    const { messages } = JSON.parse(output) as { messages: NuMessage[] };
    return messages
      .filter((m) => m.type === 'error' || m.type === 'non-document-error')
      .map((m) => `${path.basename(m.url ?? '?')}:${m.lastLine ?? '?'}: ${m.message} (${(m.extract ?? '').trim()})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
