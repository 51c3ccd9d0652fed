import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import {
  DEV_AUTH_JWT_SECRET,
  DEV_MAIL_SECRET_KEY,
  DEV_SESSION_JWT_SECRET,
  isPublishedSecret,
} from './published-secrets.js';

/**
 * The one place that reads the environment. Everything else receives an
 * {@link AppConfig}. `.env` is read by `loadEnvFile()` (Node's own loader) when present.
 */

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .optional()
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.number().int().min(min).max(max));

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** `604800`, `604800s`, `90m`, `12h`, `7d` → seconds. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = /^(\d{1,9})\s*(s|m|h|d)?$/.exec(value.trim());
  if (!match) {
    return undefined;
  }
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

const duration = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const seconds = parseDurationSeconds(v ?? fallback);
      if (seconds === undefined || seconds <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 3600, 90m, 12h or 7d' });
        return z.NEVER;
      }
      return seconds;
    });

/** What the database tools need: `npm run migration:run`, `npm run seed`, the typeorm CLI. */
const databaseShape = {
  DATABASE_URL: optionalString,
  PGLITE_DATA_DIR: z.string().default('./var/pglite'),
  DB_MIGRATE_ON_START: bool(true),
  DB_POOL_MAX: int(10, 1, 1000),
  // Also how long a request waits for a pooled connection: below 2 s, so a database that does
  // not answer costs a request a 503 within 2 s, not 2 s and then some.
  DB_CONNECT_TIMEOUT_MS: int(1500, 1),
  DB_QUERY_TIMEOUT_MS: int(5000, 1),
  DB_STATEMENT_TIMEOUT_MS: int(5000, 1),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(10000, 1),
  DB_PREPARED_STATEMENTS: bool(true),
};

const DEV_INVITATION_ACCEPT_URL = 'http://localhost:3000/invitations/accept?token={token}';

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000, 0, 65535),
  // Default: loopback outside production, every interface in production (see loadConfig).
  HOST: optionalString,
  API_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._~/-]*$/, 'may hold only URL path characters')
    .default('')
    .transform((v) => v.replace(/^\/+|\/+$/g, '')),
  PUBLIC_URL: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v) => (v === 'false' || v === '' ? false : /^\d+$/.test(v) ? Number(v) : v)),
  SHUTDOWN_GRACE_MS: int(10000),
  SHUTDOWN_READINESS_DELAY_MS: int(0),

  ...databaseShape,

  AUTH_JWT_SECRET: optionalString,
  AUTH_JWKS_URI: optionalString.pipe(z.url().optional()),
  AUTH_JWT_ISSUER: optionalString,
  AUTH_JWT_AUDIENCE: optionalString,
  AUTH_CLOCK_TOLERANCE_S: int(30, 0, 300),
  AUTH_MAX_TOKEN_LIFETIME: duration('24h'),
  SESSION_JWT_SECRET: optionalString,
  SESSION_TTL: duration('12h'),
  BACKOFFICE_ROLE: z.string().min(1).default('backoffice'),

  INVITATION_TTL: duration('7d'),
  // Unset: the service's own accept page (see loadConfig)
  INVITATION_ACCEPT_URL: optionalString.refine(
    (v) => v === undefined || v.includes('{token}'),
    'must contain {token}, where the invitation token goes',
  ),
  INVITATION_RESEND_LIMIT: int(3, 1, 1000),
  SMTP_URL: optionalString,
  MAIL_TRANSPORT: optionalString.pipe(z.enum(['smtp', 'file']).optional()),
  MAIL_SECRET_KEY: optionalString,
  MAIL_SECRET_KEY_PREVIOUS: optionalString,
  MAIL_FROM: z.string().default('Memberships <no-reply@localhost>'),
  MAIL_DIR: z.string().default('./var/mail'),
  MAIL_WORKER_ENABLED: bool(true),
  MAIL_POLL_INTERVAL_MS: int(5000, 50),
  MAIL_BATCH_SIZE: int(10, 1, 500),
  MAIL_MAX_ATTEMPTS: int(8, 1, 100),
  MAIL_RETRY_BASE_MS: int(30000, 1),
  MAIL_RETRY_MAX_MS: int(3600000, 1),
  MAIL_SEND_TIMEOUT_MS: int(15000, 100),
  MAIL_LEASE_MS: int(60000, 1000),

  RATE_LIMIT_ENABLED: bool(true),
  RATE_LIMIT_CALLER_PER_MINUTE: int(60, 1),
  RATE_LIMIT_ORGANIZATION_PER_MINUTE: int(300, 1),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: int(30, 1),
  RATE_LIMIT_AUTH_BLOCK_SECONDS: int(60, 1),
  RATE_LIMIT_PREVIEW_PER_MINUTE: int(20, 1),
  REDIS_URL: optionalString,

  // Events and webhooks (src/events, src/webhooks).
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  WEBHOOK_WORKER_ENABLED: bool(true),
  WEBHOOK_POLL_INTERVAL_MS: int(1000, 50),
  WEBHOOK_BATCH_SIZE: int(20, 1, 500),
  WEBHOOK_TIMEOUT_MS: int(10000, 100, 120000),
  WEBHOOK_MAX_ATTEMPTS: int(20, 1, 100),
  WEBHOOK_RETRY_BASE_MS: int(5000, 1),
  WEBHOOK_RETRY_MAX_MS: int(3600000, 1),
  WEBHOOK_SECRET_OVERLAP: duration('24h'),
});

export type AppConfig = ReturnType<typeof loadConfig>;
export type DatabaseConfig = ReturnType<typeof databaseConfig>;

/** One line per problem, each naming its variable; the start prints them and exits non-zero. */
export class ConfigError extends Error {}

const MIN_SECRET_LENGTH = 32;
const GENERATE = 'generate one with: openssl rand -hex 32';

function parseOrThrow<T extends z.ZodType>(zodSchema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const parsed = zodSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

function databaseConfig(e: z.output<z.ZodObject<typeof databaseShape>>) {
  return {
    url: e.DATABASE_URL,
    pgliteDataDir: e.PGLITE_DATA_DIR,
    migrateOnStart: e.DB_MIGRATE_ON_START,
    poolMax: e.DB_POOL_MAX,
    connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    preparedStatements: e.DB_PREPARED_STATEMENTS,
  };
}

/** A loopback bind address: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') {
    return true;
  }
  if (isIPv4(h)) {
    return h.startsWith('127.');
  }
  return isIPv6(h) && (h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h));
}

/** A 32-byte key given as 64 hex characters or as base64 (standard or URL-safe); else undefined. */
export function parseMailKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) {
    return Buffer.from(value, 'hex');
  }
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value, 'base64');
    return key.length === 32 ? key : undefined;
  }
  return undefined;
}

const DEV_MAIL_KEY_BYTES = Buffer.from(DEV_MAIL_SECRET_KEY, 'hex');

/**
 * Validates the environment. Throws {@link ConfigError} with one line per problem, each naming
 * its variable, so a misconfigured start stops at once with a clear message rather than
 * running on something unsafe or failing later. Secrets are never echoed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const e = parseOrThrow(schema, env);
  const production = e.NODE_ENV === 'production';
  const host = e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  const problems: string[] = [];
  const refuse = (variable: string, message: string) => problems.push(`${variable}: ${message}`);

  if (production) {
    const needs = 'NODE_ENV=production needs';
    if (!e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URI) {
      refuse('AUTH_JWT_SECRET', `not set, nor AUTH_JWKS_URI; ${needs} one of them (${GENERATE})`);
    }
    if (!e.SESSION_JWT_SECRET) {
      refuse('SESSION_JWT_SECRET', `not set; ${needs} it (${GENERATE})`);
    }
    if (!e.DATABASE_URL) {
      refuse('DATABASE_URL', `not set; ${needs} a PostgreSQL (the embedded database is for development only)`);
    }
    if (!e.SMTP_URL && e.MAIL_TRANSPORT === undefined) {
      refuse(
        'SMTP_URL',
        `not set; ${needs} an SMTP server, or MAIL_TRANSPORT=file to write mails (accept links included) ` +
          'to MAIL_DIR on purpose',
      );
    }
    if (!e.INVITATION_ACCEPT_URL) {
      refuse('INVITATION_ACCEPT_URL', `not set; ${needs} the page invitees open, with {token} where the token goes`);
    } else if (e.INVITATION_ACCEPT_URL === DEV_INVITATION_ACCEPT_URL) {
      refuse('INVITATION_ACCEPT_URL', 'is the development example (a localhost link); set the page invitees open');
    }
    if (!e.MAIL_SECRET_KEY) {
      refuse('MAIL_SECRET_KEY', `not set; ${needs} 32 bytes, as 64 hex characters or base64 (${GENERATE})`);
    }
  }
  if (!e.SMTP_URL && e.MAIL_TRANSPORT === 'smtp') {
    refuse('SMTP_URL', 'not set, but MAIL_TRANSPORT=smtp');
  }

  const bearerSecret = e.AUTH_JWT_SECRET ?? (e.AUTH_JWKS_URI || production ? undefined : DEV_AUTH_JWT_SECRET);
  const sessionSecret = e.SESSION_JWT_SECRET ?? DEV_SESSION_JWT_SECRET;
  const mailKey = e.MAIL_SECRET_KEY === undefined ? DEV_MAIL_KEY_BYTES : parseMailKey(e.MAIL_SECRET_KEY);
  if (mailKey === undefined) {
    refuse('MAIL_SECRET_KEY', `must be 32 bytes, given as 64 hex characters or as base64 (${GENERATE})`);
  }
  const previousMailKeys = (e.MAIL_SECRET_KEY_PREVIOUS ?? '')
    .split(/[\s,]+/)
    .filter((v) => v !== '')
    .map(parseMailKey);
  if (previousMailKeys.some((k) => k === undefined)) {
    refuse('MAIL_SECRET_KEY_PREVIOUS', 'each key (comma-separated) must be 32 bytes, as 64 hex characters or base64');
  }

  // The secrets anyone can read in this repository: the development defaults and the examples.
  const published: string[] = [];
  if (bearerSecret !== undefined && isPublishedSecret(bearerSecret)) {
    published.push('AUTH_JWT_SECRET');
  }
  if (isPublishedSecret(sessionSecret)) {
    published.push('SESSION_JWT_SECRET');
  }
  if (mailKey?.equals(DEV_MAIL_KEY_BYTES) || (e.MAIL_SECRET_KEY && isPublishedSecret(e.MAIL_SECRET_KEY))) {
    published.push('MAIL_SECRET_KEY');
  }
  if (production) {
    for (const variable of published) {
      if (env[variable]?.trim()) {
        refuse(variable, `is a development or example value published in this repository; ${GENERATE}`);
      }
    }
    for (const [variable, value] of [
      ['AUTH_JWT_SECRET', e.AUTH_JWT_SECRET],
      ['SESSION_JWT_SECRET', e.SESSION_JWT_SECRET],
    ] as const) {
      if (value !== undefined && value.length < MIN_SECRET_LENGTH && !published.includes(variable)) {
        refuse(variable, `shorter than ${MIN_SECRET_LENGTH} characters; ${GENERATE}`);
      }
    }
  } else if (published.length > 0 && !isLoopbackHost(host)) {
    // The development secrets are public: whoever reaches the service could sign tokens.
    refuse(
      'HOST',
      `${host} is not a loopback address, and ${published.join(', ')} ` +
        `${published.length > 1 ? 'are published development values' : 'is a published development value'}; ` +
        'set your own secrets or listen on 127.0.0.1',
    );
  }
  if (bearerSecret !== undefined && bearerSecret === sessionSecret) {
    // One secret for both would let a bearer token pass as a session token.
    refuse('SESSION_JWT_SECRET', 'must differ from AUTH_JWT_SECRET');
  }
  if (e.MAIL_LEASE_MS < 4 * e.MAIL_SEND_TIMEOUT_MS) {
    // A send (connect, greeting, data) may take up to three timeouts, and the worker sends a
    // mail only while that much of its lease is left; a shorter lease would let another
    // instance claim a mail still being sent, and send it twice.
    refuse('MAIL_LEASE_MS', 'must be at least 4 × MAIL_SEND_TIMEOUT_MS');
  }
  if (problems.length > 0) {
    throw new ConfigError(problems.join('\n'));
  }

  return {
    env: e.NODE_ENV,
    production,
    http: {
      port: e.PORT,
      host,
      prefix: e.API_PREFIX,
      publicUrl: e.PUBLIC_URL,
      trustProxy: e.TRUST_PROXY,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      shutdownReadinessDelayMs: e.SHUTDOWN_READINESS_DELAY_MS,
    },
    log: {
      level: e.LOG_LEVEL,
      /** Where log lines go instead of stdout; set by tests that read the logs, never by the environment. */
      destination: undefined as { write(line: string): unknown } | undefined,
    },
    database: databaseConfig(e),
    auth: {
      bearerSecret,
      jwksUri: e.AUTH_JWKS_URI,
      issuer: e.AUTH_JWT_ISSUER,
      audience: e.AUTH_JWT_AUDIENCE,
      clockToleranceSeconds: e.AUTH_CLOCK_TOLERANCE_S,
      maxTokenLifetimeSeconds: e.AUTH_MAX_TOKEN_LIFETIME,
      sessionSecret,
      sessionTtlSeconds: e.SESSION_TTL,
      backofficeRole: e.BACKOFFICE_ROLE,
      usingDevelopmentSecrets: !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URI,
      usingDevelopmentSessionSecret: !e.SESSION_JWT_SECRET,
    },
    /** The secrets in use that the repository publishes (development only: production refuses them). */
    publishedSecrets: published,
    /** The mail outbox worker (src/mail). */
    mailWorker: {
      enabled: e.MAIL_WORKER_ENABLED,
      pollIntervalMs: e.MAIL_POLL_INTERVAL_MS,
      batchSize: e.MAIL_BATCH_SIZE,
      maxAttempts: e.MAIL_MAX_ATTEMPTS,
      retryBaseMs: e.MAIL_RETRY_BASE_MS,
      retryMaxMs: e.MAIL_RETRY_MAX_MS,
      sendTimeoutMs: e.MAIL_SEND_TIMEOUT_MS,
      leaseMs: e.MAIL_LEASE_MS,
    },
    invitations: {
      ttlSeconds: e.INVITATION_TTL,
      // The page this service serves at /invitations/accept (outside API_PREFIX), where a fresh
      // start answers it: PUBLIC_URL, else localhost on PORT.
      acceptUrl:
        e.INVITATION_ACCEPT_URL ??
        `${(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '')}/invitations/accept?token={token}`,
      resendLimitPerHour: e.INVITATION_RESEND_LIMIT,
    },
    mail: {
      transport: e.MAIL_TRANSPORT ?? (e.SMTP_URL ? 'smtp' : 'file'),
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      dir: e.MAIL_DIR,
      /** Seals the invitation tokens outbox mails carry; the previous keys still open older rows. */
      secretKey: mailKey!,
      previousSecretKeys: previousMailKeys as Buffer[],
    },
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED,
      redisUrl: e.REDIS_URL,
      callerPerMinute: e.RATE_LIMIT_CALLER_PER_MINUTE,
      organizationPerMinute: e.RATE_LIMIT_ORGANIZATION_PER_MINUTE,
      authFailuresPerMinute: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
      authFailureBlockSeconds: e.RATE_LIMIT_AUTH_BLOCK_SECONDS,
      previewPerMinute: e.RATE_LIMIT_PREVIEW_PER_MINUTE,
    },
    /** Webhook endpoints and their delivery worker (src/webhooks). */
    webhooks: {
      // Outside production any http(s) URL; in production https to public addresses only.
      allowPrivate:
        e.WEBHOOK_ALLOW_PRIVATE === undefined ? !production : ['true', '1', 'yes'].includes(e.WEBHOOK_ALLOW_PRIVATE),
      workerEnabled: e.WEBHOOK_WORKER_ENABLED,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
      batchSize: e.WEBHOOK_BATCH_SIZE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      secretOverlapSeconds: e.WEBHOOK_SECRET_OVERLAP,
    },
  };
}

/**
 * Only the database variables, for the tools that touch nothing else (`npm run migration:run`,
 * `npm run seed`, the typeorm CLI): they need DATABASE_URL alone, in any NODE_ENV.
 */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  return databaseConfig(parseOrThrow(z.object(databaseShape), env));
}

function readEnvFile(): void {
  try {
    process.loadEnvFile();
  } catch {
    // no .env: the environment alone configures the service
  }
}

/** Reads `.env` when present (never overriding the real environment), then validates. */
export function loadConfigFromProcess(): AppConfig {
  readEnvFile();
  return loadConfig(process.env);
}

/** {@link loadDatabaseConfig} after reading `.env` when present. */
export function loadDatabaseConfigFromProcess(): DatabaseConfig {
  readEnvFile();
  return loadDatabaseConfig(process.env);
}
