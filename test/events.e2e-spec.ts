import pg from 'pg';
import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { authHeaders, createOrganization, createUser, tokensFor } from './utils/fixtures.js';
import { onRealPostgres } from './utils/test-database.js';

const BO = '/users-organizations/v1/bo';
const EVENTS = `${BO}/events`;

interface EventBody {
  id: number;
  type: string;
  createdAt: string;
  organizationId: number | null;
  data: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('events feed (listBoEvents)', () => {
  let t: TestApp;
  let bo: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ WEBHOOK_WORKER_ENABLED: 'false' });
    const boUserId = await createUser(t.dataSource);
    bo = authHeaders(await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true }));
  });
  afterAll(async () => {
    await t.close();
  });

  const read = async (query: Record<string, string | number> = {}) =>
    (await request(t.http).get(EVENTS).query(query).set(bo).expect(200)).body as {
      data: EventBody[];
      nextCursor: string;
    };

  /**
   * Reads from `after` until a page comes back empty, and on until `expected` events have come
   * (within 10 s): on a shared PostgreSQL the feed rightly holds back an event while an older
   * transaction of another test worker is still open. Returns the events and the cursor to store.
   */
  async function drain(after: string | undefined, query: Record<string, string | number> = {}, expected = 0) {
    const events: EventBody[] = [];
    let cursor = after;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const page = await read({ ...query, ...(cursor ? { after: cursor } : {}) });
      expect(page.nextCursor).toEqual(expect.any(String));
      cursor = page.nextCursor;
      if (page.data.length === 0) {
        if (events.length >= expected || Date.now() > deadline) {
          return { events, cursor };
        }
        await sleep(50);
      }
      events.push(...page.data);
    }
  }

  /** The cursor after every event committed so far in this database (each spec file has its own). */
  async function startCursor(): Promise<string> {
    const [{ n }] = await t.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM audit_events`);
    return (await drain(undefined, { limit: 500 }, n)).cursor;
  }

  it('turns every audited change into an event with its organization, and never a session id', async () => {
    const organizationId = await createOrganization(t.dataSource);
    const userId = await createUser(t.dataSource);
    const start = (await startCursor());
    await request(t.http)
      .post(`${BO}/users/register/${userId}/organizations/${organizationId}`)
      .set(bo)
      .send({ scope: 2, permissions: { group: 0, read: [1], manage: [] } })
      .expect(201);
    await request(t.http)
      .patch(`${BO}/users/${userId}/organizations/${organizationId}`)
      .set(bo)
      .send({ permissions: { group: 0, read: [1, 2], manage: [] } })
      .expect(200);
    await request(t.http).delete(`${BO}/users/${userId}/organizations/${organizationId}`).set(bo).expect(200);

    const { events, cursor } = await drain(start, {}, 3);
    expect(events.map((e) => e.type)).toEqual(['membership.registered', 'membership.updated', 'membership.removed']);
    for (const event of events) {
      expect(event).toMatchObject({ organizationId, data: { organizationId, userId } });
      expect(JSON.stringify(event)).not.toMatch(/session|requestId|token/i);
    }
    expect(events[1].data).toMatchObject({
      before: { permissions: { read: [1] } },
      after: { permissions: { read: [1, 2] } },
    });

    // At the end, the stored cursor returns nothing more, and then only what is new.
    expect((await read({ after: cursor })).data).toEqual([]);
    await t.dataSource.query(`INSERT INTO audit_events (action, organization_id) VALUES ('membership.left', $1)`, [
      organizationId,
    ]);
    const next = await drain(cursor, {}, 1);
    expect(next.events.map((e) => e.type)).toEqual(['membership.left']);
  });

  it('filters by types and organization, pages by limit, and a read without after starts at the oldest event', async () => {
    const a = await createOrganization(t.dataSource);
    const b = await createOrganization(t.dataSource);
    const start = (await startCursor());
    for (const [action, organizationId] of [
      ['invitation.created', a],
      ['invitation.accepted', a],
      ['invitation.created', b],
      ['membership.removed', a],
    ] as const) {
      await t.dataSource.query(`INSERT INTO audit_events (action, organization_id) VALUES ($1, $2)`, [
        action,
        organizationId,
      ]);
    }
    const ofA = await drain(start, { organizationId: a, limit: 1 }, 3);
    expect(ofA.events.map((e) => e.type)).toEqual(['invitation.created', 'invitation.accepted', 'membership.removed']);
    const created = await drain(start, { types: 'invitation.created,membership.removed' }, 3);
    expect(created.events.map((e) => [e.type, e.organizationId])).toEqual([
      ['invitation.created', a],
      ['invitation.created', b],
      ['membership.removed', a],
    ]);
    const [oldest] = (await read({ limit: 1 })).data;
    const [{ min }] = await t.dataSource.query(`SELECT min(id)::int AS min FROM audit_events`);
    expect(oldest.id).toBe(min);
  });

  it('answers 400 on a cursor, type list or limit that is not valid, and 401/403 without the backoffice role', async () => {
    for (const query of [{ after: 'not-a-cursor' }, { types: 'Membership Updated' }, { limit: 0 }, { limit: 501 }]) {
      const res = await request(t.http).get(EVENTS).query(query).set(bo).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    await request(t.http).get(EVENTS).expect(401);
    const userId = await createUser(t.dataSource);
    const member = authHeaders(await tokensFor(t.dataSource, t.config, userId));
    await request(t.http).get(EVENTS).set(member).expect(403);
  });

  it('a reader that stores its cursor sees every committed event exactly once while transactions commit out of id order', async () => {
    const organizationId = await createOrganization(t.dataSource);
    let cursor = (await startCursor());
    // Real PostgreSQL: 6 writers on their own connections; the embedded database: the app's one connection.
    const pool = onRealPostgres() ? new pg.Pool({ connectionString: t.config.database.url, max: 6 }) : undefined;
    const committed: number[] = [];
    const rolledBack: number[] = [];
    const seen = new Map<number, number>();
    let writing = true;

    async function transaction(rollback: boolean) {
      const run = async (query: (sql: string, params: unknown[]) => Promise<{ id: string }[]>) => {
        const ids: number[] = [];
        for (let i = 0; i < 1 + Math.floor(Math.random() * 3); i++) {
          const [row] = await query(`INSERT INTO audit_events (action, organization_id) VALUES ($1, $2) RETURNING id`, [
            'membership.updated',
            organizationId,
          ]);
          ids.push(Number(row.id));
          // Holding the transaction open lets others draw later ids and commit first.
          await sleep(Math.random() * 15);
        }
        return ids;
      };
      if (pool) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const ids = await run(async (sql, params) => (await client.query<{ id: string }>(sql, params)).rows);
          await client.query(rollback ? 'ROLLBACK' : 'COMMIT');
          (rollback ? rolledBack : committed).push(...ids);
        } finally {
          client.release();
        }
      } else {
        let ids: number[] = [];
        await t.dataSource
          .transaction(async (manager) => {
            ids = await run((sql, params) => manager.query(sql, params));
            if (rollback) {
              throw new Error('rolled back');
            }
          })
          .catch(() => undefined);
        (rollback ? rolledBack : committed).push(...ids);
      }
    }

    const writers = Array.from({ length: 6 }, async () => {
      for (let i = 0; i < 12; i++) {
        await transaction(Math.random() < 0.2);
      }
    });
    const reader = (async () => {
      while (writing) {
        const page = await read({ after: cursor, organizationId, limit: 7 });
        for (const event of page.data) {
          seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
        }
        cursor = page.nextCursor;
        await sleep(3);
      }
    })();
    await Promise.all(writers);
    writing = false;
    await reader;
    const unseen = committed.filter((id) => !seen.has(id)).length;
    for (const event of (await drain(cursor, { organizationId }, unseen)).events) {
      seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
    }
    await pool?.end();

    expect(committed.length).toBeGreaterThan(50);
    expect([...seen.keys()].sort((x, y) => x - y)).toEqual([...committed].sort((x, y) => x - y));
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(rolledBack.filter((id) => seen.has(id))).toEqual([]);
  });

  (onRealPostgres() ? it : it.skip)(
    'holds back an event of a later transaction until an older one still open has ended, then returns both',
    async () => {
      const organizationId = await createOrganization(t.dataSource);
      const cursor = (await startCursor());
      const older = new pg.Client({ connectionString: t.config.database.url });
      const newer = new pg.Client({ connectionString: t.config.database.url });
      await Promise.all([older.connect(), newer.connect()]);
      try {
        const insert = `INSERT INTO audit_events (action, organization_id) VALUES ('membership.updated', $1) RETURNING id`;
        await older.query('BEGIN');
        const [first] = (await older.query<{ id: string }>(insert, [organizationId])).rows;
        await newer.query('BEGIN');
        const [second] = (await newer.query<{ id: string }>(insert, [organizationId])).rows;
        await newer.query('COMMIT');

        // The newer transaction committed, but the older one (smaller id) may still commit.
        const early = await read({ after: cursor, organizationId });
        expect(early.data).toEqual([]);
        await older.query('COMMIT');
        const later = await read({ after: early.nextCursor, organizationId });
        expect(later.data.map((e) => e.id)).toEqual([Number(first.id), Number(second.id)]);
      } finally {
        await Promise.all([older.end(), newer.end()]);
      }
    },
  );
});
