import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { run } from './processes.js';

pg.defaults.parseInt8 = true;

/** Runs `work` with one client on `url`, and closes it. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** The same server, another database. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Drops and recreates the database `url` names, from `template` when given. Refuses a name
 * without "bench" in it, so a DATABASE_URL left in the shell never loses its data to a run.
 */
export async function recreateDatabase(url: string, template?: string): Promise<void> {
  const name = databaseName(url);
  if (!/bench/i.test(name) || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error(
      `The bench drops and recreates its database; refusing "${name}" (the name must contain "bench" and be plain lowercase).`,
    );
  }
  await withClient(withDatabase(url, 'postgres'), async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  });
}

/** The service's own migrations, through the TypeORM CLI on the built data source. */
export async function migrate(root: string, url: string): Promise<void> {
  await run(process.execPath, ['node_modules/typeorm/cli.js', '-d', 'dist/database/data-source.js', 'migration:run'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'development' },
    quiet: true,
  });
}

export interface BenchFixture {
  organizationId: number;
  adminId: number;
  sessionId: string;
  /** An organization with many members, for the read path (in the large database only). */
  readOrganizationId?: number;
}

const PERMISSIONS = `'{"group": 0, "read": [1, 2], "manage": [1]}'::jsonb`;

/**
 * Realistic volume for the hot path (PITFALLS: database: ~20,000 rows and ANALYZE before
 * measuring): 200 organizations of 100 members, their users, sessions, sent mails and audit
 * events; then the bench's organization, its active ADMIN and that admin's session.
 */
export async function seedBase(url: string): Promise<BenchFixture> {
  return withClient(url, async (db) => {
    await db.query(`
      WITH orgs AS (
        INSERT INTO organizations (name) SELECT 'Seed organization ' || g FROM generate_series(1, 200) g RETURNING id
      ), numbered AS (
        SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM orgs
      ), people AS (
        INSERT INTO users (email, status)
        SELECT 'seed' || g || '@seed.bench.example.com', 'active' FROM generate_series(1, 20000) g
        RETURNING id
      )
      INSERT INTO user_organizations (user_id, organization_id, scope, permissions, status)
      SELECT p.id, o.id, CASE WHEN p.id % 100 = 0 THEN 1 ELSE 2 END, ${PERMISSIONS}, 'active'
        FROM people p JOIN numbered o ON o.n = p.id % 200`);
    await db.query(`
      INSERT INTO sessions (id, user_id, expires_at)
      SELECT md5(random()::text || id), id, now() + interval '12 hours' FROM users WHERE id % 4 = 0`);
    await db.query(`
      INSERT INTO mail_outbox (kind, membership_id, recipient, subject, status, sent_at, payload)
      SELECT 'invitation', uo.id, u.email, 'Invitation to join', 'sent', now(), '{}'::jsonb
        FROM user_organizations uo JOIN users u ON u.id = uo.user_id WHERE uo.id % 4 = 0`);
    await db.query(`
      INSERT INTO audit_events (action, actor_user_id, organization_id, target_user_id, membership_id, after)
      SELECT 'membership.registered', NULL, organization_id, user_id, id, jsonb_build_object('scope', scope)
        FROM user_organizations`);
    const fixture = await addBenchAdmin(db);
    await db.query('VACUUM ANALYZE');
    await db.query('CHECKPOINT');
    return fixture;
  });
}

async function addBenchAdmin(db: pg.Client): Promise<BenchFixture> {
  const org = await db.query<{ id: number }>(
    `INSERT INTO organizations (name) VALUES ('Bench organization') RETURNING id`,
  );
  const admin = await db.query<{ id: number }>(
    `INSERT INTO users (email, status) VALUES ('bench.admin@bench.example.com', 'active') RETURNING id`,
  );
  await db.query(
    `INSERT INTO user_organizations (user_id, organization_id, scope, permissions, status)
     VALUES ($1, $2, 1, ${PERMISSIONS}, 'active')`,
    [admin.rows[0].id, org.rows[0].id],
  );
  const sessionId = randomBytes(18).toString('base64url');
  await db.query(`INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, now() + interval '12 hours')`, [
    sessionId,
    admin.rows[0].id,
  ]);
  return { organizationId: Number(org.rows[0].id), adminId: Number(admin.rows[0].id), sessionId };
}

/**
 * The large database (a copy of the base one): 1,000,000 more users and memberships in one
 * INSERT ... SELECT generate_series, a tenth of them in one organization (100,000 members,
 * interleaved with the others' ids as if they had joined over time) whose ADMIN is the
 * bench's admin, the rest in 9,000 organizations of 100.
 */
export async function seedLarge(url: string, fixture: BenchFixture, members = 1_000_000): Promise<BenchFixture> {
  return withClient(url, async (db) => {
    const read = await db.query<{ id: number }>(
      `INSERT INTO organizations (name) VALUES ('Read organization') RETURNING id`,
    );
    const readOrganizationId = Number(read.rows[0].id);
    await db.query(
      `INSERT INTO user_organizations (user_id, organization_id, scope, permissions, status)
       VALUES ($1, $2, 1, ${PERMISSIONS}, 'active')`,
      [fixture.adminId, readOrganizationId],
    );
    const others = Math.ceil((members * 0.9) / 100);
    const first = await db.query<{ id: number }>(
      `WITH o AS (INSERT INTO organizations (name) SELECT 'Large organization ' || g FROM generate_series(1, $1::int) g RETURNING id)
       SELECT min(id) AS id FROM o`,
      [others],
    );
    await db.query(
      `WITH people AS (
         INSERT INTO users (email, status)
         SELECT 'large' || g || '@seed.bench.example.com', 'active' FROM generate_series(1, $1::int) g
         RETURNING id
       )
       INSERT INTO user_organizations (user_id, organization_id, scope, permissions, status)
       SELECT id, CASE WHEN id % 10 = 0 THEN $2::bigint ELSE $3::bigint + id % $4::int END, 2, ${PERMISSIONS}, 'active'
         FROM people`,
      [members, readOrganizationId, Number(first.rows[0].id), others],
    );
    await db.query('VACUUM ANALYZE');
    await db.query('CHECKPOINT');
    return { ...fixture, readOrganizationId };
  });
}

export async function count(url: string, sql: string, values: unknown[] = []): Promise<number> {
  return withClient(url, async (db) => Number((await db.query<{ n: number }>(sql, values)).rows[0].n));
}

/**
 * How many of these invitees have, in this organization, an `invited` membership with its
 * outbox row and its `invitation.created` audit row: every 2xx must have left all three.
 */
export async function invitedWithRows(url: string, organizationId: number, userIds: number[]): Promise<number> {
  return count(
    url,
    `SELECT count(DISTINCT uo.user_id) AS n
       FROM user_organizations uo
      WHERE uo.organization_id = $1 AND uo.user_id = ANY($2::bigint[]) AND uo.status = 'invited'
        AND uo.deleted_at IS NULL AND uo.invitation_token_hash IS NOT NULL
        AND EXISTS (SELECT 1 FROM mail_outbox mo WHERE mo.membership_id = uo.id AND mo.status = 'pending')
        AND EXISTS (SELECT 1 FROM audit_events ae
                     WHERE ae.target_user_id = uo.user_id AND ae.membership_id = uo.id
                       AND ae.action = 'invitation.created')`,
    [organizationId, userIds],
  );
}
