import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  /** What the app's configuration needs to use it (DATABASE_URL and its pool size). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

function made(variable: string): string {
  const value = process.env[variable];
  if (!value) {
    throw new Error(`${variable} is unset: run the tests through npm test (Jest's globalSetup makes the template)`);
  }
  return value;
}

/**
 * A fresh database for one test app, with the migrations applied; `drop()` removes it. Spec
 * files and runs never share rows.
 *
 * Without TEST_DATABASE_URL, an in-memory embedded PostgreSQL (PGlite) loaded from the
 * migrated dump that test/utils/global-setup.mjs made; with it, a database on that server
 * created from the migrated template database made there. Copying a migrated database takes
 * a fraction of making one (initdb, then every migration).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl ? createOnServer(serverUrl) : createEmbedded();
}

let embeddedTemplate: Blob | undefined;

async function createEmbedded(): Promise<TestDatabase> {
  embeddedTemplate ??= new Blob([readFileSync(made('TEST_PGLITE_TEMPLATE'))]);
  const db = await PGlite.create({ loadDataDir: embeddedTemplate });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const url = `postgres://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  return {
    url,
    // PGlite runs one session at a time: a pool of one keeps transactions apart (as the app
    // does for the embedded database it starts itself).
    env: { DATABASE_URL: url, DB_POOL_MAX: '1' },
    async drop() {
      await server.stop();
      await db.close();
    },
  };
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function createOnServer(serverUrl: string): Promise<TestDatabase> {
  const name = `uo_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${made('TEST_DATABASE_TEMPLATE')}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    env: { DATABASE_URL: url.toString() },
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export const onRealPostgres = (): boolean => Boolean(process.env.TEST_DATABASE_URL);
