import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** undefined: the app starts its own in-memory embedded PostgreSQL. */
  url: string | undefined;
  drop(): Promise<void>;
}

/**
 * With TEST_DATABASE_URL, each test app gets a fresh database on that server (so runs and
 * spec files never share rows); without it, a fresh in-memory PGlite.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    return { url: undefined, drop: () => Promise.resolve() };
  }
  const name = `uo_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export const onRealPostgres = (): boolean => Boolean(process.env.TEST_DATABASE_URL);
