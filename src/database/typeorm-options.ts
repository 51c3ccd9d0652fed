import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DataSourceOptions, MigrationInterface } from 'typeorm';
import type { DatabaseConfig } from '../config/config.js';
import { ENTITIES } from './entities.js';
import { SafePgClient } from './safe-pg-client.js';

const here = dirname(fileURLToPath(import.meta.url));
// Compiled: dist/database → dist/migrations/*.js. From source (ts-jest): src/database → migrations/*.ts.
const MIGRATIONS_GLOB = import.meta.url.endsWith('.ts')
  ? join(here, '..', '..', 'migrations', '*.ts')
  : join(here, '..', 'migrations', '*.js');

/**
 * The migration classes, imported by this (ES) module rather than by TypeORM from the glob.
 * TypeORM imports glob matches through `Function('return import(...)')`; under Jest's ESM
 * runtime that import can be routed to an earlier spec file's torn-down environment ("You are
 * trying to `import` a file after the Jest environment has been torn down"): seen on the
 * PostgreSQL suite as soon as there were two migrations and a worker ran a second spec file.
 * An `import()` written in this module is always routed to the current environment.
 */
export async function loadMigrations(): Promise<(new () => MigrationInterface)[]> {
  const dir = dirname(MIGRATIONS_GLOB);
  const extension = MIGRATIONS_GLOB.slice(MIGRATIONS_GLOB.lastIndexOf('.'));
  const files = (await readdir(dir)).filter((f) => f.endsWith(extension) && !f.endsWith(`.d${extension}`)).sort();
  const modules: Record<string, unknown>[] = await Promise.all(
    files.map((f) => import(pathToFileURL(join(dir, f)).href) as Promise<Record<string, unknown>>),
  );
  return modules.flatMap((m) =>
    Object.values(m).filter((v): v is new () => MigrationInterface => typeof v === 'function'),
  );
}

export interface ConnectionTarget {
  url: string;
  /** The embedded database serves one session at a time: a pool of one keeps transactions apart. */
  poolMax: number;
}

/**
 * The one TypeORM options builder: the app, the migration CLI and the tests all use it. It reads
 * only the database settings, so the database tools need nothing else configured.
 */
export function buildDataSourceOptions(
  config: { database: DatabaseConfig },
  target: ConnectionTarget,
): DataSourceOptions {
  const db = config.database;
  return {
    type: 'postgres',
    url: target.url,
    entities: ENTITIES,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    // ids are bigint in the database and JS numbers in the API; they stay below 2^53.
    parseInt8: true,
    applicationName: 'users-organizations',
    logging: false,
    // The one uuid column's default is the built-in gen_random_uuid(): no extension to install
    // (TypeORM would otherwise try CREATE EXTENSION "uuid-ossp" at every connect).
    installExtensions: false,
    extra: {
      max: target.poolMax,
      // A dead or frozen database must never make a request hang: a connection is waited for,
      // and a query answered, for a bounded time, here in the client.
      connectionTimeoutMillis: db.connectTimeoutMs,
      query_timeout: db.queryTimeoutMs,
      // Sent as startup parameters, so that the server too cancels what runs too long. PgBouncer
      // cannot pass them on: it must list them in ignore_startup_parameters, and sets the same
      // limits on its server connections itself (deploy/pgbouncer.ini, connect_query).
      statement_timeout: db.statementTimeoutMs,
      idle_in_transaction_session_timeout: db.idleInTransactionTimeoutMs,
      idleTimeoutMillis: 30000,
      keepAlive: true,
      // a connection whose query timed out or broke is closed, never reused (see SafePgClient)
      Client: SafePgClient,
    },
  };
}
