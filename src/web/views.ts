import { readFileSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { escapeHtml } from './escape.ts';

/*
 * Templates compiled without `with`.
 *
 * EJS runs a template's code inside `with (locals) { ... }` so that a template can name its locals directly. V8 looks
 * every name in such a block up through the locals object first (`__append`, `escapeFn` and each loop variable
 * included), and the template then runs two to three times slower: 50 table rows took 102-139 µs with `with` and
 * 38-45 µs without, in a scratch benchmark of the same template.
 *
 * So each template is rewritten before EJS compiles it in strict mode: it opens by taking every name its code could
 * mean from the locals (`var { a, b } = locals;`) and runs inside a block, so that a template's own `const` of one of
 * those names shadows the taken value instead of clashing with it. The list of names is generous by design: every
 * identifier in the template's code except property names after a dot, reserved words, EJS's own names, and the
 * language's built-ins (a template that writes `Math.max` or `encodeURIComponent` must reach the real one). A name
 * that is no local simply holds undefined, as it did under `with` when a template tested `typeof x`. A name the list
 * misses would throw a ReferenceError in strict mode, loudly, on the first render of that template.
 */

/** Names EJS itself defines inside the function it compiles from a template. */
const EJS_NAMES: ReadonlySet<string> = new Set(['locals', 'include', '__append', '__output', 'escapeFn', 'rethrow', '__line', '__lines', '__filename']);

/** Words a `var` cannot declare in strict mode, and the global values a template must never see shadowed. */
const RESERVED: ReadonlySet<string> = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined NaN Infinity'
  ).split(' '),
);

/**
 * The language's own objects and functions a template may use. A fixed list rather than "whatever the global object
 * has": a later Node that adds a global named like one of our locals must not change what a template sees.
 */
const BUILT_INS: ReadonlySet<string> = new Set(
  (
    'Object Array String Number Boolean BigInt Symbol Math JSON Date Intl RegExp Map Set WeakMap Promise Error TypeError ' +
    'encodeURIComponent decodeURIComponent encodeURI decodeURI parseInt parseFloat isNaN isFinite globalThis'
  ).split(' '),
);

/** Scriptlets: `<% %>`, `<%= %>`, `<%- %>`, `<%_ %>` with any closing; `<%#` comments and `<%%` literals are skipped below. */
const SCRIPTLET = /<%([_=\-#%]?)([\s\S]*?)[_-]?%>/g;
/** An identifier that is not a property name after a single dot (a spread's `...x` still counts). */
const IDENTIFIER = /(?<![\w$])(?<!(?<!\.)\.)[A-Za-z_$][\w$]*/g;

/** The names a template's code could take from its locals, sorted. */
export function templateLocalNames(source: string): string[] {
  const names = new Set<string>();
  for (const [, modifier, code] of source.matchAll(SCRIPTLET)) {
    if (modifier === '#' || modifier === '%' || code === undefined) continue;
    for (const [name] of code.matchAll(IDENTIFIER)) {
      if (!RESERVED.has(name) && !EJS_NAMES.has(name) && !BUILT_INS.has(name)) names.add(name);
    }
  }
  return [...names].sort();
}

/** Where a rendered template finds the engine's `include` (see createViewEngine): a key of its locals. */
const INCLUDE = '__includeView';

/**
 * The template rewritten to take its locals itself and run in a block (see above); same lines, same output. Its
 * `include` is the engine's, reached through the locals, in place of the one EJS passes in.
 */
export function withoutWith(source: string): string {
  const names = templateLocalNames(source);
  // On the template's first line, so EJS's line numbers in errors stay right; the scriptlets print nothing.
  return `<% var { ${names.join(', ')} } = locals; var include = (view, data) => locals.${INCLUDE}(view, locals, data); { %>${source}<% } %>`;
}

/** A view's source, rewritten; without a byte-order mark, as EJS's own loader reads it. */
function readTemplate(file: string): string {
  return withoutWith(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
}

/** The EJS options every view is compiled with. */
export interface ViewOptions {
  /** views/, against which includes like '/partials/head' resolve. */
  readonly root: string;
  /** Keep compiled templates (everywhere but development, where an edited template shows on the next request). */
  readonly cache: boolean;
}

export type ViewEngine = (file: string, data: object, callback: (err: Error | null, html?: string) => void) => void;

/**
 * Express's render function for views/: each template, and each template it includes, is rewritten by
 * `withoutWith` and compiled strict; compiled templates live in EJS's own cache (keyed by file).
 */
export function createViewEngine(options: ViewOptions): ViewEngine {
  // unsafePrototypeLocals is EJS 7's, which @types/ejs does not list yet (see below).
  const compileOptions: ejs.Options & { unsafePrototypeLocals: boolean } = {
    root: options.root,
    cache: options.cache,
    strict: true,
    // EJS would copy the locals into a fresh object each time a template starts: with the page's forty-odd locals,
    // copying (with its includes' copies) was 5-7% of the list's and the dashboard's routes. The copy guards a
    // template that reads its locals through `with` from names the locals inherit; ours destructure the names they
    // use (see withoutWith), and every local is named by our code, never by a request.
    unsafePrototypeLocals: true,
    escape: escapeHtml,
    // Indentation and blank lines of the template source go (a newline stays between lines, so inline elements keep
    // their space): the list page was 15% indentation.
    rmWhitespace: true,
  };
  const templateFor = (file: string): ejs.TemplateFunction => {
    const cached = options.cache ? (ejs.cache.get(file) as ejs.TemplateFunction | undefined) : undefined;
    if (cached) return cached;
    const compiled = ejs.compile(readTemplate(file), { ...compileOptions, filename: file, async: false }) as ejs.TemplateFunction;
    if (options.cache) ejs.cache.set(file, compiled);
    return compiled;
  };
  /**
   * `include('/partials/x', { ... })` in a template: views/partials/x.ejs with the page's locals and those given, in
   * at most one copy. EJS's own include copies the locals twice (and its options once) and resolves the path each
   * time.
   */
  const include = (view: string, parent: object, data?: object): string => {
    // Every include names its view from views/ ('/partials/head'); a relative one would depend on the includer's file.
    if (!view.startsWith('/')) throw new Error(`include('${view}'): name the view from views/, starting with /`);
    // Without data of its own (the head, the foot), an include reads the page's locals as they are: no template
    // assigns to its locals.
    return templateFor(path.join(options.root, path.extname(view) ? view : `${view}.ejs`))(data ? Object.assign({}, parent, data) : parent);
  };
  return (file, data, callback) => {
    let html: string;
    try {
      (data as Record<string, unknown>)[INCLUDE] = include;
      html = templateFor(file)(data as ejs.Data);
    } catch (err) {
      callback(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    callback(null, html);
  };
}
