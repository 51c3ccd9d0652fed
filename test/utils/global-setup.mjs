/**
 * Jest's globalSetup (jest.config.js, jest.reliability.config.js): makes the migrated database
 * every test app starts from, once per run and per set of migrations, before any spec file
 * runs. A database made from nothing for each test app (initdb, then every migration) was
 * where the suite's time went: seconds each on an idle machine, past the hook timeouts on a
 * busy one. test/utils/test-database.ts then only copies it.
 *
 * - embedded (no TEST_DATABASE_URL): a dump of a migrated in-memory PGlite's data directory,
 *   var/test-template/pglite-<key>.tar, which each test app's PGlite loads;
 * - TEST_DATABASE_URL: a database uo_test_template_<key> on that server, which each test app's
 *   database is created from (CREATE DATABASE ... TEMPLATE).
 *
 * The key hashes the migrations' source and the PGlite release, so a template is never used
 * with other migrations. This runs outside Jest's module system (no TypeScript), so the
 * migrations are transpiled here; they apply through TypeORM as at the app's start, into the
 * same migrations table, so the app finds nothing pending.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { DataSource } from 'typeorm';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const templateDir = join(root, 'var', 'test-template');
/** As in src/database/typeorm-options.ts. */
const MIGRATIONS_TABLE = 'typeorm_migrations';
/** Arbitrary but fixed: concurrent runs on one server make a template once. */
const TEMPLATE_LOCK_KEY = 7_230_418_113;

function templateKey() {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json')));
  for (const file of readdirSync(join(root, 'migrations')).sort()) {
    hash.update(file).update(readFileSync(join(root, 'migrations', file)));
  }
  return hash.digest('hex').slice(0, 12);
}

/** The migration classes, from migrations/*.ts transpiled into var/test-template/migrations-<key>/. */
async function loadMigrations(key) {
  const out = join(templateDir, `migrations-${key}`);
  mkdirSync(out, { recursive: true });
  const classes = [];
  for (const file of readdirSync(join(root, 'migrations'))
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const { outputText } = ts.transpileModule(readFileSync(join(root, 'migrations', file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const target = join(out, file.replace(/\.ts$/, '.mjs'));
    writeFileSync(target, outputText);
    const module = await import(pathToFileURL(target).href);
    classes.push(...Object.values(module).filter((v) => typeof v === 'function'));
  }
  return classes;
}

async function migrate(url, migrations) {
  const dataSource = await new DataSource({
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    extra: { max: 1 },
    logging: false,
  }).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

async function embeddedTemplate(key) {
  const file = join(templateDir, `pglite-${key}.tar`);
  if (existsSync(file)) {
    return file;
  }
  const db = await PGlite.create('memory://');
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  try {
    await migrate(
      `postgres://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`,
      await loadMigrations(key),
    );
    const dump = await db.dumpDataDir('none');
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
  } finally {
    await server.stop();
    await db.close();
  }
  return file;
}

async function serverTemplate(serverUrl, key) {
  const template = `uo_test_template_${key}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (rowCount === 0) {
      // made under another name and renamed once migrated, so no run copies half a template
      const making = `${template}_${randomBytes(4).toString('hex')}`;
      await client.query(`CREATE DATABASE ${making}`);
      try {
        const url = new URL(serverUrl);
        url.pathname = `/${making}`;
        await migrate(url.toString(), await loadMigrations(key));
        await client.query(`ALTER DATABASE ${making} RENAME TO ${template}`);
      } catch (error) {
        await client.query(`DROP DATABASE IF EXISTS ${making} WITH (FORCE)`);
        throw error;
      }
    }
  } finally {
    await client.end();
  }
  return template;
}

export default async function globalSetup() {
  const key = templateKey();
  mkdirSync(templateDir, { recursive: true });
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    process.env.TEST_DATABASE_TEMPLATE = await serverTemplate(serverUrl, key);
  } else {
    process.env.TEST_PGLITE_TEMPLATE = await embeddedTemplate(key);
  }
}
