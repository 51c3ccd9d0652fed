import pg from 'pg';
import { Scope } from '../../src/memberships/membership.constants.js';
import { addMembership, createOrganization, createUser } from '../utils/fixtures.js';
import { privatePostgresAvailable, startPrivatePostgres, type PrivatePostgres } from '../utils/private-postgres.js';
import { spawnService, type SpawnedService } from '../utils/spawned-service.js';
import { WebhookReceiver } from '../utils/webhook-receiver.js';
import { ms, percentile, recordFigure } from './utils/figures.js';
import { send } from './utils/http.js';
import { Load, isOk, sleep, tally, type LoadRequest } from './utils/load.js';
import { SERVICE_SECRETS, poolAsDataSource, serviceConfig, tokensOf } from './utils/world.js';

/**
 * Webhook deliveries under faults, on a PostgreSQL cluster of our own with the built service
 * as processes: writes under load while the database restarts, the instance that queued the
 * deliveries is stopped with SIGTERM, and two instances then deliver side by side. Every
 * committed event must reach the receiver, verified, and none that was not committed.
 */

const SECTION = 'Webhooks';
const V1 = '/users-organizations/v1';
const WEBHOOK_ENV = {
  MAIL_WORKER_ENABLED: 'false',
  // the receiver is on loopback; the spawned service runs with NODE_ENV=production
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_RETRY_BASE_MS: '200',
  WEBHOOK_RETRY_MAX_MS: '1000',
  WEBHOOK_MAX_ATTEMPTS: '100',
  WEBHOOK_TIMEOUT_MS: '2000',
};

if (!privatePostgresAvailable()) {
  throw new Error('The webhook fault scenario needs the PostgreSQL server binaries under /usr/lib/postgresql');
}

describe('webhooks under faults', () => {
  let db: PrivatePostgres;
  let pool: pg.Pool;
  const services: SpawnedService[] = [];
  const receiver = new WebhookReceiver();

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await receiver.down();
    await pool?.end().catch(() => undefined);
    db?.destroy();
  });

  it('database restart, SIGTERM of the delivering instance, two instances: 0 committed events lost, none invented', async () => {
    db = await startPrivatePostgres();
    pool = new pg.Pool({ connectionString: db.url, max: 4, connectionTimeoutMillis: 3000 });
    pool.on('error', () => undefined);
    const start = async () => {
      const service = await spawnService({ DATABASE_URL: db.url, ...SERVICE_SECRETS, ...WEBHOOK_ENV });
      services.push(service);
      return service;
    };
    let current = await start();
    const ds = poolAsDataSource(pool);
    const organizationId = await createOrganization(ds);
    await addMembership(ds, { userId: await createUser(ds), organizationId, scope: Scope.ADMIN });
    const backoffice = await tokensOf(ds, serviceConfig(), await createUser(ds), true);
    const headers = {
      authorization: `Bearer ${backoffice.bearer}`,
      'x-session-token': backoffice.session,
      'content-type': 'application/json',
    };
    const { rows: users } = await pool.query<{ id: string }>(
      `INSERT INTO users (email, status)
       SELECT 'webhook-fault-' || g || '@example.com', 'active' FROM generate_series(1, 5000) g RETURNING id`,
    );

    await receiver.start();
    const created = await send(current.url, `${V1}/bo/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: receiver.url, events: ['*'], organizationId }),
      timeoutMs: 5000,
    });
    if (created.kind !== 'answer' || created.status !== 201) {
      throw new Error(`Could not register the endpoint: ${JSON.stringify(created)}`);
    }
    const { id: webhookId, secret } = JSON.parse(created.text) as { id: number; secret: string };
    receiver.secrets = [secret];

    let nextUser = 0;
    const register = (): LoadRequest => ({
      method: 'POST',
      path: `${V1}/bo/users/register/${users[nextUser++].id}/organizations/${organizationId}`,
      headers,
      body: JSON.stringify({ scope: Scope.MEMBER, permissions: { group: 0, read: [1], manage: [] } }),
    });
    const load = new Load(() => current.url, register, { concurrency: 4, pauseMs: 20, maxRequests: 4000 }).start();

    await sleep(2000);
    db.stop();
    await sleep(2000);
    db.start();
    await sleep(3000);
    // A second instance, then the first one stopped with SIGTERM while it writes and delivers.
    const second = await start();
    current = second;
    const termCode = await services[0].stop('SIGTERM');
    await sleep(1000);
    await start();
    const twoInstancesFrom = Date.now();
    await sleep(3000);
    const results = await load.stop();

    const pendingLeft = async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status <> 'delivered'`,
          [webhookId],
        )
      ).rows[0].n;
    const settleDeadline = Date.now() + 60_000;
    while ((await pendingLeft()) > 0 && Date.now() < settleDeadline) {
      await sleep(200);
    }
    await sleep(500);

    const { rows: events } = await pool.query<{ id: string; occurred_at: Date }>(
      `SELECT id, occurred_at FROM audit_events WHERE organization_id = $1 ORDER BY id`,
      [organizationId],
    );
    const committed = new Set(events.map((e) => e.id));
    const receivedIds = receiver.received.map((r) => r.webhookId);
    const distinct = new Set(receivedIds);
    const lost = [...committed].filter((id) => !distinct.has(id));
    const invented = [...distinct].filter((id) => !committed.has(id));
    const duplicates = receivedIds.length - distinct.size;
    const unverified = receiver.received.filter((r) => r.verifiedWith.length !== 1).length;
    const differingCopies = [...distinct].filter(
      (id) => new Set(receiver.received.filter((r) => r.webhookId === id).map((r) => r.body)).size > 1,
    );
    const { rows: attempts } = await pool.query<{ event_id: string; attempts: number }>(
      `SELECT event_id, attempts FROM webhook_deliveries WHERE endpoint_id = $1`,
      [webhookId],
    );
    const firstTry = new Set(attempts.filter((a) => a.attempts === 1).map((a) => a.event_id));
    const latencies = receiver.received
      .filter((r) => firstTry.has(r.webhookId))
      .map((r) => r.receivedAt - Date.parse(r.payload.timestamp));
    const twoInstanceEvents = events.filter((e) => e.occurred_at.getTime() > twoInstancesFrom + 500).map((e) => e.id);
    const twoInstanceDuplicates = twoInstanceEvents.filter(
      (id) => receiver.received.filter((r) => r.webhookId === id).length > 1,
    );

    recordFigure(
      SECTION,
      'writes under load through a database restart and a SIGTERM: answered',
      `${results.length}: ${tally(results)}`,
    );
    recordFigure(
      SECTION,
      'committed events / delivered (distinct webhook-id) / lost / not committed but delivered',
      `${committed.size} / ${distinct.size} / ${lost.length} / ${invented.length}`,
    );
    recordFigure(
      SECTION,
      'deliveries received / duplicates (same webhook-id, same body) / failed verification',
      `${receivedIds.length} / ${duplicates} (${differingCopies.length} differing) / ${unverified}`,
    );
    recordFigure(
      SECTION,
      'two instances delivering side by side: events / delivered more than once',
      `${twoInstanceEvents.length} / ${twoInstanceDuplicates.length}`,
    );
    recordFigure(
      SECTION,
      'delivery latency, commit → receiver, first attempts (median / p99)',
      `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))} over ${latencies.length}`,
    );
    recordFigure(SECTION, 'SIGTERM of the first instance: exit code', String(termCode));

    expect(results.filter(isOk).length).toBeGreaterThan(100);
    expect(committed.size).toBeGreaterThan(100);
    expect(lost).toEqual([]);
    expect(invented).toEqual([]);
    expect(differingCopies).toEqual([]);
    expect(unverified).toBe(0);
    expect(twoInstanceEvents.length).toBeGreaterThan(10);
    expect(twoInstanceDuplicates).toEqual([]);
    expect(termCode).toBe(0);
  });
});
