import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { authHeaders, createAdmin, createOrganization, createUser, tokensFor } from './utils/fixtures.js';
import { eventually } from './utils/wait.js';
import { WebhookReceiver } from './utils/webhook-receiver.js';
import { WebhookDeliveryWorker } from '../src/webhooks/webhook-delivery.worker.js';

const BO = '/users-organizations/v1/bo';
const WEBHOOKS = `${BO}/webhooks`;
const PERMISSIONS = { group: 0, read: [1], manage: [] };

const FAST_RETRIES = {
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_RETRY_BASE_MS: '200',
  WEBHOOK_RETRY_MAX_MS: '800',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_MAX_ATTEMPTS: '60',
};

interface Delivery {
  id: number;
  eventId: number;
  eventType: string;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
}

/** Waits until the receiver holds at least `n` deliveries. */
const receivedAtLeast = (receiver: WebhookReceiver, n: number, timeoutMs?: number) =>
  eventually(() => Promise.resolve(receiver.received.length >= n ? receiver.received : undefined), timeoutMs);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

describe('webhooks: signed deliveries of every audited change', () => {
  let t: TestApp;
  let bo: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp(FAST_RETRIES);
    const boUserId = await createUser(t.dataSource);
    bo = authHeaders(await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true }));
  });
  const receivers: WebhookReceiver[] = [];
  afterAll(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.down()));
  });

  /** An organization with its own endpoint and receiver, so tests never see each other's events. */
  async function subscribed(events: string[] = ['*']) {
    const receiver = await new WebhookReceiver().start();
    receivers.push(receiver);
    const organizationId = await createOrganization(t.dataSource);
    const res = await request(t.http)
      .post(WEBHOOKS)
      .set(bo)
      .send({ url: receiver.url, events, organizationId })
      .expect(201);
    receiver.secrets = [res.body.secret as string];
    return { receiver, organizationId, webhook: res.body as { id: number; secret: string } };
  }

  async function register(organizationId: number, scope = 2) {
    const userId = await createUser(t.dataSource);
    await request(t.http)
      .post(`${BO}/users/register/${userId}/organizations/${organizationId}`)
      .set(bo)
      .send({ scope, permissions: PERMISSIONS })
      .expect(201);
    return userId;
  }

  const deliveries = async (webhookId: number, query: Record<string, string> = {}) =>
    (await request(t.http).get(`${WEBHOOKS}/${webhookId}/deliveries`).query(query).set(bo).expect(200)).body
      .data as Delivery[];

  const auditIds = async (organizationId: number, action?: string) =>
    (
      await t.dataSource.query<{ id: string }[]>(
        `SELECT id FROM audit_events WHERE organization_id = $1 AND ($2::text IS NULL OR action = $2) ORDER BY id`,
        [organizationId, action ?? null],
      )
    ).map((r) => Number(r.id));

  it('creates an endpoint with a whsec_ secret shown once, and delivers a change signed per Standard Webhooks', async () => {
    const { receiver, organizationId, webhook } = await subscribed();
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = await request(t.http).get(`${WEBHOOKS}/${webhook.id}`).set(bo).expect(200);
    expect(read.body).not.toHaveProperty('secret');
    const [row] = await t.dataSource.query(`SELECT secret FROM webhook_endpoints WHERE id = $1`, [webhook.id]);
    expect(row.secret).not.toContain(webhook.secret.slice(6));

    const userId = await register(organizationId);

    const [received] = await receivedAtLeast(receiver, 1);
    const [eventId] = await auditIds(organizationId, 'membership.registered');
    expect(received.verifiedWith).toEqual([webhook.secret]);
    expect(received.webhookId).toBe(String(eventId));
    expect(received.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(received.payload).toMatchObject({
      type: 'membership.registered',
      data: { organizationId, userId, before: null, after: expect.objectContaining({ scope: 2 }) },
    });
    expect(Object.keys(received.payload).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(received.body).not.toMatch(/session|requestId|token/i);
    const [delivery] = await eventually(async () => {
      const list = await deliveries(webhook.id);
      return list[0]?.status === 'delivered' ? list : undefined;
    });
    expect(delivery).toMatchObject({
      eventId,
      eventType: 'membership.registered',
      attempts: 1,
      lastError: null,
      nextAttemptAt: null,
    });
  });

  it('delivers the events of the one-statement invite too, and only the subscribed types of its organization', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const receiver = await new WebhookReceiver().start();
    receivers.push(receiver);
    const res = await request(t.http)
      .post(WEBHOOKS)
      .set(bo)
      .send({ url: receiver.url, events: ['invitation.created'], organizationId: admin.organizationId })
      .expect(201);
    receiver.secrets = [res.body.secret as string];
    const other = await createAdmin(t.dataSource, t.config);

    for (const who of [admin, other]) {
      await request(t.http)
        .post(`/users-organizations/v1/rs/na/${who.userId}/invite`)
        .set(who.headers)
        .send({ email: `invitee.${who.userId}@example.com`, scope: 2, permissions: { group: 0, read: [], manage: [] } })
        .expect(201);
    }

    await receivedAtLeast(receiver, 1);
    await t.app.get(WebhookDeliveryWorker).idle();
    expect(receiver.received.map((r) => r.payload.type)).toEqual(['invitation.created']);
    expect(receiver.received[0].payload.data.organizationId).toBe(admin.organizationId);
    expect(receiver.received[0].verifiedWith).toHaveLength(1);
  });

  it('queues nothing for a change that is rolled back, and a delivery for one that commits', async () => {
    const { receiver, organizationId, webhook } = await subscribed();
    await expect(
      t.dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO audit_events (action, organization_id) VALUES ('membership.updated', $1)`, [
          organizationId,
        ]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await t.dataSource.query(`INSERT INTO audit_events (action, organization_id) VALUES ('membership.removed', $1)`, [
      organizationId,
    ]);

    await receivedAtLeast(receiver, 1);
    const rows = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1`, [
      webhook.id,
    ]);
    expect(rows[0].n).toBe(1);
    expect(receiver.received.map((r) => r.payload.type)).toEqual(['membership.removed']);
  });

  it('keeps retrying while the receiver is down, then delivers every event: none lost, duplicates only with the same webhook-id', async () => {
    const { receiver, organizationId, webhook } = await subscribed();
    await receiver.down();

    const started = Date.now();
    for (let i = 0; i < 6; i++) {
      await register(organizationId);
    }
    // The changes were answered at once, whatever the receiver's state.
    expect(Date.now() - started).toBeLessThan(10000);
    await eventually(async () => {
      const list = await deliveries(webhook.id);
      return list.length === 6 && list.every((d) => d.attempts >= 2 && d.lastError !== null) ? list : undefined;
    });
    const failing = await deliveries(webhook.id);
    expect(failing.every((d) => d.status === 'pending' && d.nextAttemptAt !== null)).toBe(true);
    expect(failing[0].lastError).toMatch(/ECONNREFUSED/);

    await receiver.up();
    await eventually(async () => {
      const list = await deliveries(webhook.id);
      return list.every((d) => d.status === 'delivered') ? list : undefined;
    }, 15000);

    const expected = (await auditIds(organizationId)).map(String).sort();
    const distinct = [...new Set(receiver.received.map((r) => r.webhookId))].sort();
    expect(distinct).toEqual(expected);
    for (const id of distinct) {
      const copies = receiver.received.filter((r) => r.webhookId === id);
      expect(new Set(copies.map((c) => JSON.stringify(c.payload))).size).toBe(1);
    }
    expect(receiver.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
  });

  it('rotates the secret: both signatures while the previous one overlaps, each verifying on its own', async () => {
    const { receiver, organizationId, webhook } = await subscribed();
    const rotated = await request(t.http).post(`${WEBHOOKS}/${webhook.id}/rotate-secret`).set(bo).expect(200);
    const secret = rotated.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(webhook.secret);
    const overlapMs = new Date(rotated.body.previousSecretExpiresAt as string).getTime() - Date.now();
    expect(overlapMs).toBeGreaterThan(23 * 3600 * 1000);
    expect(overlapMs).toBeLessThanOrEqual(24 * 3600 * 1000);

    receiver.secrets = [webhook.secret, secret, 'whsec_' + Buffer.alloc(32, 7).toString('base64')];
    await register(organizationId);
    const [received] = await receivedAtLeast(receiver, 1);
    expect(received.signature.split(' ')).toHaveLength(2);
    expect(received.verifiedWith).toEqual([webhook.secret, secret]);

    // Once the overlap has ended, only the new secret signs.
    await t.dataSource.query(`UPDATE webhook_endpoints SET previous_secret_expires_at = now() WHERE id = $1`, [
      webhook.id,
    ]);
    await register(organizationId);
    await receivedAtLeast(receiver, 2);
    expect(receiver.received[1].verifiedWith).toEqual([secret]);
    const read = await request(t.http).get(`${WEBHOOKS}/${webhook.id}`).set(bo).expect(200);
    expect(read.body.previousSecretExpiresAt).toBeNull();
  });

  it('disables an endpoint whose receiver answers 410, and a manual retry delivers once it is enabled again', async () => {
    const { receiver, organizationId, webhook } = await subscribed();
    receiver.status = 410;
    await register(organizationId);
    const endpoint = await eventually(async () => {
      const res = await request(t.http).get(`${WEBHOOKS}/${webhook.id}`).set(bo).expect(200);
      return res.body.enabled === false ? (res.body as { disabledReason: string }) : undefined;
    });
    expect(endpoint.disabledReason).toMatch(/410/);
    const [failed] = await deliveries(webhook.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, nextAttemptAt: null });
    expect(failed.lastError).toMatch(/410/);

    // Disabled: nothing more is queued for it, and a retry is refused until it is enabled.
    await register(organizationId);
    expect(await deliveries(webhook.id)).toHaveLength(1);
    const refused = await request(t.http)
      .post(`${WEBHOOKS}/${webhook.id}/deliveries/${failed.id}/retry`)
      .set(bo)
      .expect(409);
    expect(refused.body.code).toBe('WEBHOOK_DISABLED');

    receiver.status = 204;
    await request(t.http).patch(`${WEBHOOKS}/${webhook.id}`).set(bo).send({ enabled: true }).expect(200);
    const retried = await request(t.http)
      .post(`${WEBHOOKS}/${webhook.id}/deliveries/${failed.id}/retry`)
      .set(bo)
      .expect(202);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'pending' });
    await eventually(async () => ((await deliveries(webhook.id))[0].status === 'delivered' ? true : undefined));
    expect(receiver.received.filter((r) => r.payload.type === 'membership.registered')).toHaveLength(2);

    const again = await request(t.http)
      .post(`${WEBHOOKS}/${webhook.id}/deliveries/${failed.id}/retry`)
      .set(bo)
      .expect(409);
    expect(again.body.code).toBe('WEBHOOK_DELIVERY_ALREADY_DELIVERED');
    await request(t.http).post(`${WEBHOOKS}/${webhook.id}/deliveries/999999/retry`).set(bo).expect(404);
  });

  it('manages endpoints: list, change, delete; 400 on bad bodies, 404 on unknown ids, 401/403 without backoffice', async () => {
    const { webhook, organizationId } = await subscribed(['membership.updated']);
    const changed = await request(t.http)
      .patch(`${WEBHOOKS}/${webhook.id}`)
      .set(bo)
      .send({ events: ['membership.updated', 'membership.removed'], organizationId: null })
      .expect(200);
    expect(changed.body).toMatchObject({ events: ['membership.updated', 'membership.removed'], organizationId: null });
    const list = await request(t.http).get(WEBHOOKS).set(bo).expect(200);
    expect((list.body.data as { id: number }[]).map((w) => w.id)).toContain(webhook.id);

    const bad = await request(t.http)
      .post(WEBHOOKS)
      .set(bo)
      .send({ url: 'http://127.0.0.1:9/x', events: ['membership.nope'] })
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    await request(t.http)
      .post(WEBHOOKS)
      .set(bo)
      .send({ url: 'ftp://example.com/x', events: ['*'] })
      .expect(400);
    await request(t.http).post(WEBHOOKS).set(bo).send({ url: 'http://127.0.0.1:9/x', events: [] }).expect(400);
    const noOrg = await request(t.http)
      .post(WEBHOOKS)
      .set(bo)
      .send({ url: 'http://127.0.0.1:9/x', events: ['*'], organizationId: organizationId + 100000 })
      .expect(404);
    expect(noOrg.body.code).toBe('ORGANIZATION_NOT_FOUND');

    await request(t.http).delete(`${WEBHOOKS}/${webhook.id}`).set(bo).expect(204);
    const gone = await request(t.http).get(`${WEBHOOKS}/${webhook.id}`).set(bo).expect(404);
    expect(gone.body.code).toBe('WEBHOOK_NOT_FOUND');
    await request(t.http).get(`${WEBHOOKS}/${webhook.id}/deliveries`).set(bo).expect(404);
    await request(t.http).post(`${WEBHOOKS}/${webhook.id}/rotate-secret`).set(bo).expect(404);
    await request(t.http).get(`${WEBHOOKS}/abc`).set(bo).expect(400);

    await request(t.http).get(WEBHOOKS).expect(401);
    const admin = await createAdmin(t.dataSource, t.config);
    await request(t.http).get(WEBHOOKS).set(admin.headers).expect(403);
  });

  it('measures delivery latency, change committed → receiver (median and p99)', async () => {
    const { receiver, organizationId } = await subscribed(['membership.registered']);
    const sentAt = new Map<number, number>();
    for (let i = 0; i < 40; i++) {
      const started = Date.now();
      const userId = await register(organizationId);
      sentAt.set(userId, started);
    }
    await receivedAtLeast(receiver, 40, 20000);
    const latencies = receiver.received.map((r) => r.receivedAt - sentAt.get(r.payload.data.userId as number)!);
    const median = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    console.log(
      `webhook delivery latency (request start → receiver, ${latencies.length} deliveries, ` +
        `${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}): median ${median} ms, p99 ${p99} ms`,
    );
    expect(latencies).toHaveLength(40);
  });
});

describe('webhooks: URL rules when private addresses are not allowed (production default)', () => {
  let t: TestApp;
  let bo: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    const boUserId = await createUser(t.dataSource);
    bo = authHeaders(await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true }));
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    'http://hooks.example.com/x',
    'https://localhost/x',
    'https://127.0.0.1/x',
    'https://127.1/x',
    'https://0x7f000001/x',
    'https://2130706433/x',
    'https://[::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://[::ffff:a00:1]/x',
    'https://10.1.2.3/x',
    'https://192.168.0.10/x',
    'https://172.16.5.4/x',
    'https://169.254.169.254/latest/meta-data',
    'https://[fe80::1]/x',
    'https://[fd00::1]/x',
    'https://0.0.0.0/x',
  ])('refuses %s with 400', async (url) => {
    const res = await request(t.http)
      .post(WEBHOOKS)
      .set(bo)
      .send({ url, events: ['*'] })
      .expect(400);
    // the shorthand IPv4 forms (127.1, 0x7f000001, 2130706433) are not the documented URL shape
    // (VALIDATION_FAILED); every other form is refused for its address (WEBHOOK_URL_REFUSED)
    expect(['WEBHOOK_URL_REFUSED', 'VALIDATION_FAILED']).toContain(res.body.code);
    expect(res.body.details).toEqual([{ path: 'url', message: expect.any(String) }]);
  });

  it('accepts https to a public address, and refuses a private one on change too', async () => {
    const res = await request(t.http)
      .post(WEBHOOKS)
      .set(bo)
      .send({ url: 'https://93.184.215.14/hooks', events: ['*'] })
      .expect(201);
    const bad = await request(t.http)
      .patch(`${WEBHOOKS}/${res.body.id}`)
      .set(bo)
      .send({ url: 'https://localhost:8443/hooks' })
      .expect(400);
    expect(bad.body.code).toBe('WEBHOOK_URL_REFUSED');
  });
});

describe('webhooks: a change wakes the delivery worker', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    // no poll within the test: only the wake-up after each change can deliver
    t = await createTestApp({ ...FAST_RETRIES, WEBHOOK_POLL_INTERVAL_MS: '600000' });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.down()));
  });

  it('delivers an invitation right after the invite is answered, not at the next poll', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const bo = authHeaders(
      await tokensFor(t.dataSource, t.config, await createUser(t.dataSource), { backoffice: true }),
    );
    const receiver = await new WebhookReceiver().start();
    receivers.push(receiver);
    const res = await request(t.http)
      .post(WEBHOOKS)
      .set(bo)
      .send({ url: receiver.url, events: ['invitation.created'], organizationId: admin.organizationId })
      .expect(201);
    receiver.secrets = [res.body.secret as string];
    await request(t.http)
      .post(`/users-organizations/v1/rs/na/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email: `woken.${admin.userId}@example.com`, scope: 2, permissions: { group: 0, read: [], manage: [] } })
      .expect(201);
    const [received] = await receivedAtLeast(receiver, 1, 5000);
    expect(received.payload).toMatchObject({ type: 'invitation.created' });
  });
});
