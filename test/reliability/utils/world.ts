import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { issueSessionTokens, type IssuedTokens } from '../../../src/auth/session-tokens.js';
import { loadConfig, type AppConfig } from '../../../src/config/config.js';
import { createTestApp, type TestApp } from '../../utils/test-app.js';
import { onRealPostgres } from '../../utils/test-database.js';

export type Query = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

/** The secrets a spawned service (test/utils/spawned-service.ts) is started with, and tokens signed for it. */
export const SERVICE_SECRETS = {
  AUTH_JWT_SECRET: 'reliability-bearer-secret-0123456789abcdef',
  SESSION_JWT_SECRET: 'reliability-session-secret-0123456789abcdef',
};

export function serviceConfig(): AppConfig {
  return loadConfig({ NODE_ENV: 'test', ...SERVICE_SECRETS });
}

/** A pg pool seen through the one DataSource method the fixtures use, `query`. */
export function poolAsDataSource(pool: pg.Pool): DataSource {
  return {
    query: async (sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows,
  } as unknown as DataSource;
}

export function queryOf(ds: DataSource): Query {
  return (sql, params) => ds.query(sql, params);
}

export function tokensOf(ds: DataSource, config: AppConfig, userId: number, backoffice = false): Promise<IssuedTokens> {
  return issueSessionTokens(ds, config, { userId, backoffice });
}

export interface InProcessApp {
  url: string;
  t: TestApp;
  close(): Promise<void>;
}

/**
 * The real AppModule in this process (test/utils/test-app.ts), listening on a loopback port so
 * the suite talks HTTP to it like any client. Its races only mean something on a real
 * PostgreSQL: the embedded one has a single connection.
 */
export async function inProcessApp(env: Record<string, string> = {}): Promise<InProcessApp> {
  if (!onRealPostgres()) {
    throw new Error(
      'The reliability suite runs on a real PostgreSQL: set TEST_DATABASE_URL (npm run test:reliability does)',
    );
  }
  const t = await createTestApp(env);
  await t.app.listen(0, '127.0.0.1');
  const { port } = (t.app.getHttpServer() as { address(): AddressInfo }).address();
  return { url: `http://127.0.0.1:${port}`, t, close: () => t.close() };
}

/**
 * A digest of every table (row count and an md5 of the rows), to tell whether a request wrote
 * anything at all, whichever table it would have touched.
 */
export async function fingerprinter(query: Query): Promise<() => Promise<Record<string, string>>> {
  const tables = await query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'typeorm_migrations'
      ORDER BY table_name`,
  );
  const sql = `SELECT ${tables
    .map(
      ({ table_name: t }) =>
        `(SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM "${t}" x) AS "${t}"`,
    )
    .join(', ')}`;
  return async () => (await query<Record<string, string>>(sql))[0];
}

export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
}
