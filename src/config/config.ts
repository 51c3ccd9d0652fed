import { z } from 'zod';

/**
 * The one place that reads the environment. Everything else receives an
 * {@link AppConfig}. `.env` is read by `loadEnvFile()` (Node's own loader) when present.
 */

const DEV_AUTH_JWT_SECRET = 'dev-only-bearer-secret-change-me-0123456789';
const DEV_SESSION_JWT_SECRET = 'dev-only-session-secret-change-me-9876543210';

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

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
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

  DATABASE_URL: optionalString,
  PGLITE_DATA_DIR: z.string().default('./var/pglite'),
  DB_MIGRATE_ON_START: bool(true),
  DB_POOL_MAX: int(10, 1, 1000),
  // Also how long a request waits for a pooled connection: below 2 s, so a database that does
  // not answer costs a request a 503 within 2 s (issue #6), not 2 s and then some.
  DB_CONNECT_TIMEOUT_MS: int(1500, 1),
  DB_QUERY_TIMEOUT_MS: int(5000, 1),
  DB_STATEMENT_TIMEOUT_MS: int(5000, 1),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(10000, 1),

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
  INVITATION_ACCEPT_URL: z
    .string()
    .default('http://localhost:3000/invitations/accept?token={token}')
    .refine((v) => v.includes('{token}'), 'must contain {token}, where the invitation token goes'),
  INVITATION_RESEND_LIMIT: int(3, 1, 1000),
  SMTP_URL: optionalString,
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

export class ConfigError extends Error {}

/**
 * Validates the environment. Throws {@link ConfigError} with one line per problem, so a
 * misconfigured production start stops with a clear message instead of failing later.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const missing: string[] = [];
  if (production) {
    if (!e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URI) {
      missing.push('AUTH_JWT_SECRET (or AUTH_JWKS_URI)');
    }
    if (!e.SESSION_JWT_SECRET) {
      missing.push('SESSION_JWT_SECRET');
    }
    if (!e.DATABASE_URL) {
      missing.push('DATABASE_URL');
    }
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `NODE_ENV=production needs these variables, which are not set: ${missing.join(', ')}. See .env.example.`,
    );
  }
  const bearerSecret = e.AUTH_JWT_SECRET ?? (e.AUTH_JWKS_URI ? undefined : DEV_AUTH_JWT_SECRET);
  const sessionSecret = e.SESSION_JWT_SECRET ?? DEV_SESSION_JWT_SECRET;
  if (bearerSecret !== undefined && bearerSecret === sessionSecret) {
    // One secret for both would let a bearer token pass as a session token (PITFALLS: tokens).
    throw new ConfigError('AUTH_JWT_SECRET and SESSION_JWT_SECRET must differ.');
  }
  if (e.MAIL_LEASE_MS < 4 * e.MAIL_SEND_TIMEOUT_MS) {
    // A send (connect, greeting, data) may take up to three timeouts, and the worker sends a
    // mail only while that much of its lease is left; a shorter lease would let another
    // instance claim a mail still being sent, and send it twice.
    throw new ConfigError('MAIL_LEASE_MS must be at least 4 × MAIL_SEND_TIMEOUT_MS.');
  }
  if (production && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_JWT_SECRET must be at least 32 characters in production.');
  }
  if (production && e.AUTH_JWT_SECRET && e.AUTH_JWT_SECRET.length < 32) {
    throw new ConfigError('AUTH_JWT_SECRET must be at least 32 characters in production.');
  }

  return {
    env: e.NODE_ENV,
    production,
    http: {
      port: e.PORT,
      host: e.HOST,
      prefix: e.API_PREFIX,
      publicUrl: e.PUBLIC_URL,
      trustProxy: e.TRUST_PROXY,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      shutdownReadinessDelayMs: e.SHUTDOWN_READINESS_DELAY_MS,
    },
    log: { level: e.LOG_LEVEL },
    database: {
      url: e.DATABASE_URL,
      pgliteDataDir: e.PGLITE_DATA_DIR,
      migrateOnStart: e.DB_MIGRATE_ON_START,
      poolMax: e.DB_POOL_MAX,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
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
      acceptUrl: e.INVITATION_ACCEPT_URL,
      resendLimitPerHour: e.INVITATION_RESEND_LIMIT,
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, dir: e.MAIL_DIR },
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED,
      redisUrl: e.REDIS_URL,
      callerPerMinute: e.RATE_LIMIT_CALLER_PER_MINUTE,
      organizationPerMinute: e.RATE_LIMIT_ORGANIZATION_PER_MINUTE,
      authFailuresPerMinute: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
      authFailureBlockSeconds: e.RATE_LIMIT_AUTH_BLOCK_SECONDS,
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

/** Reads `.env` when present (never overriding the real environment), then validates. */
export function loadConfigFromProcess(): AppConfig {
  try {
    process.loadEnvFile();
  } catch {
    // no .env: the environment alone configures the service
  }
  return loadConfig(process.env);
}
