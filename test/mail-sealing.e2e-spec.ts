import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { MailOutboxWorker } from '../src/mail/mail-outbox.worker.js';
import { MailSecretBox } from '../src/mail/mail-secret-box.js';
import type { MailTransport, OutgoingMail } from '../src/mail/mail-transport.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { authHeaders, createAdmin, tokensFor, uniqueEmail } from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

const BASE = '/users-organizations/v1';

/** Booting an app and a whole flow take more than the default 30 s on a busy machine. */
const SLOW_MS = 120_000;

interface OutboxRow {
  id: number;
  public_id: string;
  recipient: string;
  status: string;
  secret: string | null;
  last_error: string | null;
}

/**
 * Invitation tokens sealed by the real invite and resend paths under one MAIL_SECRET_KEY, then
 * delivered by a worker started after a key rotation; and sealed values moved between rows, or
 * rows whose recipient was changed, which must not open.
 */
describe('mail sealing: key rotation and binding to the outbox row and recipient', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof createAdmin>>;

  beforeAll(async () => {
    // The app's own worker is off: the mails wait in the outbox until a worker below sends them.
    t = await createTestApp({ MAIL_SECRET_KEY: oldKey.toString('hex'), MAIL_WORKER_ENABLED: 'false' });
    admin = await createAdmin(t.dataSource, t.config);
  }, SLOW_MS);
  afterAll(async () => {
    await t.close();
  }, SLOW_MS);

  const invite = async (email: string) => {
    const res = await request(t.http)
      .post(`${BASE}/rs/na/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email, scope: 2, permissions: { group: 0, read: [], manage: [] } })
      .expect(201);
    return res.body.data.userId as number;
  };
  const outbox = (): Promise<OutboxRow[]> =>
    t.dataSource.query(`SELECT id, public_id, recipient, status, secret, last_error FROM mail_outbox ORDER BY id`);

  /** Runs one worker with these keys over the outbox; returns the mails it sent. */
  async function deliverWith(current: Buffer, previous: Buffer[]): Promise<OutgoingMail[]> {
    const sent: OutgoingMail[] = [];
    const transport: MailTransport = {
      description: 'memory',
      send: (mail) => {
        sent.push(mail);
        return Promise.resolve({ location: 'memory' });
      },
      close: () => undefined,
    };
    const worker = new MailOutboxWorker(
      t.dataSource,
      { ...t.config, mailWorker: { ...t.config.mailWorker, enabled: true } },
      transport,
      new MailSecretBox(current, previous),
      t.app.get(MetricsService),
    );
    worker.onApplicationBootstrap();
    await worker.idle();
    await worker.onModuleDestroy();
    return sent;
  }

  it(
    'after a rotation, the previous key still opens what it sealed; moved or redirected values do not open',
    async () => {
      const kept = uniqueEmail('kept');
      const keptUserId = await invite(kept);
      const moved = uniqueEmail('moved');
      await invite(moved);
      const redirected = uniqueEmail('redirected');
      await invite(redirected);
      const resent = uniqueEmail('resent');
      const resentUserId = await invite(resent);
      const [{ id: resentInvitationId }] = await t.dataSource.query(
        `SELECT id FROM user_organizations WHERE user_id = $1 AND organization_id = $2`,
        [resentUserId, admin.organizationId],
      );
      await request(t.http)
        .post(`${BASE}/rs/na/${admin.userId}/invitations/${resentInvitationId}/resend`)
        .set(admin.headers)
        .expect(200);

      const rows = await outbox();
      const row = (email: string, status = 'pending') =>
        rows.find((r) => r.recipient === email && r.status === status)!;
      expect(rows.filter((r) => r.status === 'pending').map((r) => r.secret)).toEqual(
        Array(4).fill(expect.stringMatching(/^v2\./)),
      );
      expect(new Set(rows.map((r) => r.public_id)).size).toBe(rows.length);
      // someone with write access to the table: a sealed token copied onto another row, and a
      // row pointed at another address
      await t.dataSource.query(`UPDATE mail_outbox SET secret = $1 WHERE id = $2`, [row(kept).secret, row(moved).id]);
      await t.dataSource.query(`UPDATE mail_outbox SET recipient = 'attacker@example.com' WHERE id = $1`, [
        row(redirected).id,
      ]);

      // the key rotated: MAIL_SECRET_KEY is new, the old one is in MAIL_SECRET_KEY_PREVIOUS
      const sent = await deliverWith(newKey, [oldKey]);
      expect(sent.map((m) => m.to).sort()).toEqual([kept, resent].sort());

      const after = await outbox();
      const status = (id: number) => after.find((r) => r.id === id)!;
      expect(status(row(kept).id)).toMatchObject({ status: 'sent', secret: null });
      expect(status(row(resent).id)).toMatchObject({ status: 'sent', secret: null });
      for (const refused of [row(moved).id, row(redirected).id]) {
        expect(status(refused)).toMatchObject({
          status: 'failed',
          secret: null,
          last_error: expect.stringMatching(/cannot be decrypted.*resend the invitation/),
        });
      }

      // the link mailed after the rotation accepts the invitation
      const token = /token=([A-Za-z0-9_-]{43})/.exec(sent.find((m) => m.to === kept)!.text)![1];
      const invitee = authHeaders(await tokensFor(t.dataSource, t.config, keptUserId));
      const accepted = await request(t.http)
        .post(`${BASE}/invitations/accept`)
        .set(invitee)
        .send({ token })
        .expect(200);
      expect(accepted.body.data).toMatchObject({ status: 'active', organizationId: admin.organizationId });
    },
    SLOW_MS,
  );

  it(
    'without the previous key, mails sealed before the rotation fail with a message to resend',
    async () => {
      const email = uniqueEmail('dropped');
      await invite(email);
      const sent = await deliverWith(newKey, []);
      expect(sent).toEqual([]);
      const [row] = (await outbox()).filter((r) => r.recipient === email);
      expect(row).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/MAIL_SECRET_KEY_PREVIOUS/) });
    },
    SLOW_MS,
  );
});
