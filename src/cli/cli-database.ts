import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseConfigFromProcess } from '../config/config.js';
import { readEmbeddedEndpoint } from '../database/embedded-endpoint.js';
import { startEmbeddedPostgres } from '../database/embedded-postgres.js';
import { runMigrationsLocked } from '../database/migrate.js';
import { buildDataSourceOptions } from '../database/typeorm-options.js';

/**
 * The database a CLI works on: DATABASE_URL, else the running service's embedded database,
 * else the embedded database's folder opened here (migrated first). Reads only the database
 * settings: a tool that needs more (the token signer) loads the rest itself.
 */
export async function withCliDatabase<T>(work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const database = loadDatabaseConfigFromProcess();
  const config = { database };
  let url = database.url ?? readEmbeddedEndpoint(database.pgliteDataDir);
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const embedded = await startEmbeddedPostgres(database.pgliteDataDir);
    url = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const dataSource = await new DataSource(buildDataSourceOptions(config, { url, poolMax: 1 })).initialize();
  try {
    if (stopEmbedded || database.migrateOnStart) {
      await runMigrationsLocked(dataSource);
    }
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
    await stopEmbedded?.();
  }
}

/** `--name value` and `--flag` arguments. */
export function parseArgs(argv: string[]): Map<string, string | true> {
  const args = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      args.set(arg.slice(2), next);
      i++;
    } else {
      args.set(arg.slice(2), true);
    }
  }
  return args;
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
