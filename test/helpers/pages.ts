import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.ts';

type Catalogue = Record<string, string>;

function flatten(node: unknown, prefix = '', out: Catalogue = {}): Catalogue {
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out[full] = value;
    else flatten(value, full, out);
  }
  return out;
}

/** A catalogue as key -> text. */
export function catalogue(language: string): Catalogue {
  return flatten(JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'locales', `${language}.json`), 'utf8')));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#34': '"', '#39': "'", nbsp: '\u00a0' };

/** What a person reads and hears on a page: the text between tags plus the labels in attributes, entities decoded. */
export function readableText(html: string): string {
  const body = html.replace(/<script[\s\S]*?<\/script>/g, ' ').replace(/<style[\s\S]*?<\/style>/g, ' ');
  const attributes = [...body.matchAll(/\s(?:aria-label|title|placeholder|alt|label)="([^"]*)"/g)].map((m) => m[1]);
  const text = [body.replace(/<[^>]*>/g, ' '), ...attributes].join(' ');
  return text.replace(/&(#?\w+);/g, (whole, name: string) => ENTITIES[name] ?? whole).replace(/\s+/g, ' ');
}

/**
 * The English sentences a Ukrainian page must not show: every English catalogue entry that Ukrainian translates
 * differently, cut at its placeholders and markup into pieces of at least two words.
 */
export function englishPhrases(): string[] {
  const en = catalogue('en');
  const uk = catalogue('uk');
  const phrases = new Set<string>();
  for (const [key, text] of Object.entries(en)) {
    if (uk[key] === text) continue;
    for (const piece of text.split(/\{\{[^}]*\}\}|<[^>]+>/)) {
      const phrase = piece.trim().replace(/^[\p{P}\s]+|[\p{P}\s]+$/gu, '');
      if (phrase.includes(' ') && phrase.length >= 8) phrases.add(phrase);
    }
  }
  return [...phrases];
}
