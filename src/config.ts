import { randomBytes } from 'node:crypto';
import { REGISTRATION_MODES, type RegistrationMode } from './domain/registration.ts';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isKnownTimeZone } from './domain/calendar.ts';
import { LANGUAGES, type Language } from './domain/languages.ts';
import { makePrivateDirSync, PRIVATE_FILE_MODE } from './file-modes.ts';

/** Everything the app reads from the environment, validated once and frozen. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly isProduction: boolean;
  readonly host: string;
  readonly port: number;
  readonly databasePath: string;
  readonly dataDir: string;
  readonly sessionIdleMinutes: number;
  readonly sessionAbsoluteHours: number;
  readonly bcryptCost: number;
  readonly currency: string;
  readonly locale: string;
  /** The language of pages for people who have not chosen one and whose browser asks for none we speak. */
  readonly defaultLanguage: Language;
  /** IANA zone in which days and months begin and end (the server's own unless TIME_ZONE says otherwise). */
  readonly timeZone: string;
  /** How long a stop (SIGTERM, Ctrl+C) waits for requests in flight and a running import before cutting them off. */
  readonly shutdownGraceMs: number;
  readonly trustProxy: string | number | boolean;
  readonly logLevel: string;
  /** REGISTRATION: who may create an account once the first one exists (invite unless set). */
  readonly registration: RegistrationMode;
  /** PUBLIC_URL's origin (scheme, host, port): where invite links point, and what passkeys are bound to. */
  readonly publicUrl: string | undefined;
  /** How many /api/v1 requests one personal access token may make a minute. */
  readonly apiRequestsPerMinute: number;
  /** WEB_CONCURRENCY: how many worker processes serve requests (1, the default, is this process alone). */
  readonly webConcurrency: number;
}

const boolish = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v, ctx) => {
    // "1" is a hop count (one proxy in front, as the README says), never "true": true believes whatever
    // X-Forwarded-For a client sends, so anyone could pass the per-address limits. "0" is no proxy, as false.
    if (['true', 'yes'].includes(v)) return true;
    if (['0', 'false', 'no', ''].includes(v)) return false;
    const asNumber = Number(v);
    if (Number.isInteger(asNumber) && asNumber >= 0) return asNumber;
    // express also accepts a comma-separated list of addresses or subnets
    if (/^[0-9a-f.:/, ]+$/i.test(v) || ['loopback', 'linklocal', 'uniquelocal'].includes(v)) return v;
    ctx.addIssue({ code: 'custom', message: 'must be true, false, a hop count, or a list of proxy addresses' });
    return z.NEVER;
  });

const intInRange = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const sessionSecret = z.string().min(32, 'must be at least 32 characters (try: openssl rand -hex 32)');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: intInRange(0, 65535).default(3000),
  DATABASE_PATH: z.string().trim().min(1).optional(),
  SESSION_SECRET: sessionSecret.optional(),
  SESSION_IDLE_MINUTES: intInRange(1, 60 * 24 * 30).default(60 * 24 * 7),
  SESSION_ABSOLUTE_HOURS: intInRange(1, 24 * 365).default(24 * 30),
  BCRYPT_COST: intInRange(4, 15).default(12),
  CURRENCY: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code such as USD or EUR')
    .default('USD'),
  LOCALE: z.string().trim().min(2).default('en-US'),
  DEFAULT_LANGUAGE: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(LANGUAGES, { error: `must be one of: ${LANGUAGES.join(', ')}` }))
    .default('en'),
  TIME_ZONE: z.string().trim().min(1).optional(),
  SHUTDOWN_GRACE_SECONDS: intInRange(0, 600).default(10),
  TRUST_PROXY: boolish.default(false),
  REGISTRATION: z.enum(REGISTRATION_MODES, { error: `must be one of: ${REGISTRATION_MODES.join(', ')}` }).default('invite'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be the address people open, such as https://money.example.org' })
    // Ledgerly serves from the root of its address, so a path (https://example.org/ledgerly) would only make invite
    // links and passkeys point at the wrong place; it is refused rather than silently cut off.
    // (Refinements run even when the address did not parse; that case is the check above's to word.)
    .refine((url) => {
      if (!URL.canParse(url)) return true;
      const u = new URL(url);
      return ['', '/'].includes(u.pathname) && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
    }, {
      error: 'must be an address without a path, query or sign-in details (Ledgerly serves from the root of its own host name or port)',
    })
    .transform((url) => new URL(url).origin)
    .optional(),
  API_RATE_LIMIT: intInRange(1, 1_000_000).default(600),
  // 'auto' is one worker per CPU the process may use.
  WEB_CONCURRENCY: z
    .string()
    .trim()
    .toLowerCase()
    .transform((v, ctx) => {
      if (v === 'auto') return availableParallelism();
      const n = /^\d{1,3}$/.test(v) ? Number(v) : NaN;
      if (n >= 1 && n <= 64) return n;
      ctx.addIssue({ code: 'custom', message: 'must be auto or a whole number from 1 to 64' });
      return z.NEVER;
    })
    .default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Thrown when the environment cannot make a working app; server.ts prints it and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates an environment map into a frozen Config, or throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const blankToUndefined = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(blankToUndefined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const problems: string[] = [];

  let fractionDigits: number | undefined;
  try {
    fractionDigits = new Intl.NumberFormat(e.LOCALE, { style: 'currency', currency: e.CURRENCY }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    problems.push(`  LOCALE: "${e.LOCALE}" is not a locale this Node.js knows`);
  }
  // Amounts are stored as integer hundredths, so only two-decimal currencies are exact.
  if (fractionDigits !== undefined && fractionDigits !== 2) {
    problems.push(`  CURRENCY: ${e.CURRENCY} has ${fractionDigits} minor digits; only two-decimal currencies are supported`);
  }
  const timeZone = e.TIME_ZONE ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isKnownTimeZone(timeZone)) problems.push(`  TIME_ZONE: "${timeZone}" is not an IANA time zone this Node.js knows (e.g. Europe/Kyiv)`);
  if (e.NODE_ENV === 'production' && e.BCRYPT_COST < 12) {
    problems.push('  BCRYPT_COST: must be at least 12 in production');
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);

  const databasePath = path.resolve(cwd, e.DATABASE_PATH ?? path.join('data', 'finance.sqlite'));
  return Object.freeze({
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    host: e.HOST,
    port: e.PORT,
    databasePath,
    dataDir: path.dirname(databasePath),
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionAbsoluteHours: e.SESSION_ABSOLUTE_HOURS,
    bcryptCost: e.BCRYPT_COST,
    currency: e.CURRENCY,
    locale: e.LOCALE,
    defaultLanguage: e.DEFAULT_LANGUAGE,
    timeZone,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    registration: e.REGISTRATION,
    publicUrl: e.PUBLIC_URL,
    apiRequestsPerMinute: e.API_RATE_LIMIT,
    webConcurrency: e.WEB_CONCURRENCY,
  });
}

/** The file in the data folder that keeps a generated session secret. */
export const SESSION_SECRET_FILE_NAME = 'session-secret';

/**
 * The one source of the secret that signs session cookies: SESSION_SECRET when set, otherwise a random one kept in
 * the data folder with mode 0600 (created on first start), so sessions survive restarts without a secret ever
 * living in the code. Only server.ts calls it; the Config itself holds no secret.
 */
export function resolveSessionSecret(
  env: NodeJS.ProcessEnv,
  config: Pick<Config, 'dataDir'>,
): { secret: string; generated: boolean; file?: string; replacedShort?: boolean } {
  const configured = env.SESSION_SECRET;
  if (configured !== undefined && configured !== '') {
    const checked = sessionSecret.safeParse(configured);
    if (!checked.success) throw new ConfigError(`Invalid configuration:\n  SESSION_SECRET: ${checked.error.issues[0]?.message ?? 'invalid'}`);
    return { secret: checked.data, generated: false };
  }
  const file = path.join(config.dataDir, SESSION_SECRET_FILE_NAME);
  makePrivateDirSync(config.dataDir);
  let replacedShort = false;
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return { secret, generated: false, file };
    // Too short to sign with (edited by hand, or cut off): replaced, which signs everyone out; the caller says so.
    replacedShort = true;
  }
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: PRIVATE_FILE_MODE });
  // The mode above only applies to a new file and is reduced by the umask; an old short secret keeps its own.
  chmodSync(file, PRIVATE_FILE_MODE);
  return { secret, generated: true, file, ...(replacedShort ? { replacedShort } : {}) };
}
