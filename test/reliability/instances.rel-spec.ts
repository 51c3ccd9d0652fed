import { randomBytes, randomInt } from 'node:crypto';
import pg from 'pg';
import { Scope } from '../../src/memberships/membership.constants.js';
import { addMembership, createOrganization } from '../utils/fixtures.js';
import { spawnService, type SpawnedService } from '../utils/spawned-service.js';
import { createTestDatabase, type TestDatabase } from '../utils/test-database.js';
import { recordFigure } from './utils/figures.js';
import { answer, jsonOf } from './utils/http.js';
import { TRIALS, repeat, summary, type RaceContext } from './utils/race-trials.js';
import { SERVICE_SECRETS, poolAsDataSource, serviceConfig, tokensOf } from './utils/world.js';

/**
 * Several instances: two processes of the built service on one PostgreSQL database.
 * Races spread across both still have exactly one winner, and with REDIS_URL the rate limits
 * count for both together.
 */
const SECTION = 'Several instances';
const V1 = '/users-organizations/v1';
const CONCURRENCY = 100;
const TIMES = 3;

describe('two instances on one database', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  const services: SpawnedService[] = [];
  const env = () => ({ DATABASE_URL: database.url, ...SERVICE_SECRETS, DB_POOL_MAX: '20' });

  beforeAll(async () => {
    database = await createTestDatabase();
    if (!database.url) {
      throw new Error('The reliability suite runs on a real PostgreSQL: set TEST_DATABASE_URL');
    }
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => undefined);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await pool?.end();
    await database?.drop();
  });

  describe('races across both (rate limits off)', () => {
    let ctx: RaceContext;

    beforeAll(async () => {
      // started together: the migrations run once, under the advisory lock
      const pair = await Promise.all([spawnService(env()), spawnService(env())]);
      services.push(...pair);
      ctx = {
        urls: pair.map((s) => s.url),
        ds: poolAsDataSource(pool),
        config: serviceConfig(),
        concurrency: CONCURRENCY,
      };
    });

    it.each(TRIALS)('%s: exactly one winner in every trial', async (name, trial) => {
      const results = await repeat(ctx, trial, TIMES);
      recordFigure(SECTION, `${name} (2 instances, alternating)`, summary(results, CONCURRENCY));
      expect(results.map((r) => r.winners)).toEqual(Array(TIMES).fill(1));
      expect(results.filter((r) => !r.consistent).map((r) => r.detail)).toEqual([]);
    });
  });

  describe('rate limits shared through Redis', () => {
    const AUTH_FAILURES = 10;
    const INVITES = 8;
    let pair: SpawnedService[];

    beforeAll(async () => {
      const redisUrl = process.env.TEST_REDIS_URL;
      if (!redisUrl) {
        throw new Error('The rate-limit checks need Redis: set TEST_REDIS_URL (npm run test:reliability does)');
      }
      const limited = {
        ...env(),
        RATE_LIMIT_ENABLED: 'true',
        REDIS_URL: redisUrl,
        // one proxy hop, so each run can act as a client address of its own (X-Forwarded-For)
        TRUST_PROXY: '1',
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES),
        RATE_LIMIT_AUTH_BLOCK_SECONDS: '60',
        RATE_LIMIT_CALLER_PER_MINUTE: String(INVITES),
        RATE_LIMIT_ORGANIZATION_PER_MINUTE: '100000',
      };
      pair = await Promise.all([spawnService(limited), spawnService(limited)]);
      services.push(...pair);
    });

    it(`lets one client address fail authentication ${AUTH_FAILURES} times in all, whichever instance it reaches`, async () => {
      // a fresh address each run: counters live a minute in the shared Redis
      const address = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 3 * AUTH_FAILURES; i++) {
        const res = await answer(pair[i % 2].url, `${V1}/rs/na/1/members`, {
          headers: { authorization: 'Bearer not-a-token', 'x-forwarded-for': address },
        });
        statuses.push(res.status);
      }
      recordFigure(
        SECTION,
        `failed authentications from one address, alternating instances (limit ${AUTH_FAILURES}/min)`,
        `${statuses.length}: 401×${statuses.filter((s) => s === 401).length}, 429×${statuses.filter((s) => s === 429).length}`,
      );
      expect(statuses).toEqual([
        ...Array<number>(AUTH_FAILURES).fill(401),
        ...Array<number>(2 * AUTH_FAILURES).fill(429),
      ]);
    });

    it(`lets one caller invite ${INVITES} times a minute in all, whichever instance it reaches`, async () => {
      const ds = poolAsDataSource(pool);
      // a caller id of its own each run, since the counters outlive the run in Redis
      const adminId = Number(
        (
          await pool.query<{ id: string }>(
            `INSERT INTO users (id, email, status) OVERRIDING SYSTEM VALUE VALUES ($1, $2, 'active') RETURNING id`,
            [1_000_000_000_000 + randomInt(2 ** 40), `limited.${randomBytes(5).toString('hex')}@example.com`],
          )
        ).rows[0].id,
      );
      const organizationId = await createOrganization(ds);
      await addMembership(ds, { userId: adminId, organizationId, scope: Scope.ADMIN });
      const t = await tokensOf(ds, serviceConfig(), adminId);
      const headers = {
        authorization: `Bearer ${t.bearer}`,
        'x-session-token': t.session,
        'content-type': 'application/json',
      };
      const results = [];
      for (let i = 0; i < 3 * INVITES; i++) {
        results.push(
          await answer(pair[i % 2].url, `${V1}/rs/na/${adminId}/invite?organizationId=${organizationId}`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              email: `limited.${i}.${randomBytes(4).toString('hex')}@example.com`,
              scope: Scope.MEMBER,
              permissions: { group: 0, read: [], manage: [] },
            }),
          }),
        );
      }
      const statuses = results.map((r) => r.status);
      recordFigure(
        SECTION,
        `invites by one caller, alternating instances (limit ${INVITES}/min)`,
        `${statuses.length}: 201×${statuses.filter((s) => s === 201).length}, 429×${statuses.filter((s) => s === 429).length}`,
      );
      expect(statuses).toEqual([...Array<number>(INVITES).fill(201), ...Array<number>(2 * INVITES).fill(429)]);
      const limited = results.filter((r) => r.status === 429);
      expect(limited.every((r) => Number(r.headers['retry-after']) > 0 && jsonOf(r)?.code === 'RATE_LIMITED')).toBe(
        true,
      );
    });
  });
});
