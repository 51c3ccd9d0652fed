import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MailOutboxWorker, type ClaimedMail } from '../src/mail/mail-outbox.worker.js';
import { createAdmin, uniqueEmail } from './utils/fixtures.js';
import { startSmtpServer, type TestSmtpServer } from './utils/smtp-test-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { eventually } from './utils/wait.js';

const BASE = '/users-organizations/v1';

/** Fast retries, so a test sees a mail go from pending to failed. */
const FAST_RETRIES = {
  MAIL_MAX_ATTEMPTS: '3',
  MAIL_RETRY_BASE_MS: '50',
  MAIL_RETRY_MAX_MS: '200',
  MAIL_POLL_INTERVAL_MS: '50',
  MAIL_SEND_TIMEOUT_MS: '1000',
  MAIL_LEASE_MS: '4000',
};

async function inviteAndFindId(t: TestApp, admin: Awaited<ReturnType<typeof createAdmin>>, email: string) {
  const started = Date.now();
  const res = await request(t.http)
    .post(`${BASE}/rs/na/${admin.userId}/invite`)
    .set(admin.headers)
    .send({ email, scope: 2, permissions: { group: 0, read: [], manage: [] } });
  const elapsedMs = Date.now() - started;
  expect(res.status).toBe(201);
  const [{ id }] = await t.dataSource.query(
    `SELECT uo.id FROM user_organizations uo WHERE uo.user_id = $1 AND uo.organization_id = $2`,
    [res.body.data.userId, admin.organizationId],
  );
  return { invitationId: Number(id), elapsedMs };
}

const mailOf = (t: TestApp, invitationId: number) =>
  t.dataSource
    .query(`SELECT status, attempts, last_error, secret FROM mail_outbox WHERE membership_id = $1`, [invitationId])
    .then((rows: { status: string; attempts: number; last_error: string | null; secret: string | null }[]) => rows[0]);

describe('invitations: mail delivery never blocks or fails an invite', () => {
  describe('with an SMTP server that rejects some recipients', () => {
    let smtp: TestSmtpServer;
    let t: TestApp;
    let admin: Awaited<ReturnType<typeof createAdmin>>;

    beforeAll(async () => {
      smtp = await startSmtpServer();
      t = await createTestApp({ SMTP_URL: smtp.url, ...FAST_RETRIES });
      admin = await createAdmin(t.dataSource, t.config);
    });
    afterAll(async () => {
      await t.close();
      await smtp.close();
    });

    it('records a permanent rejection (550) as failed at once, with the reason the admin can read', async () => {
      const { invitationId } = await inviteAndFindId(t, admin, uniqueEmail('reject'));
      const mail = await eventually(async () => {
        const m = await mailOf(t, invitationId);
        return m.status === 'failed' ? m : undefined;
      });
      expect(mail).toMatchObject({ status: 'failed', attempts: 1, secret: null });
      expect(mail.last_error).toMatch(/550/);

      const asAdmin = await request(t.http)
        .get(`${BASE}/rs/na/${admin.userId}/invitations/${invitationId}`)
        .set(admin.headers)
        .expect(200);
      expect(asAdmin.body.data).toMatchObject({
        state: 'pending',
        mail: { status: 'failed', attempts: 1, lastError: expect.stringMatching(/550/) },
      });
    });

    it('retries a transient rejection (451) with backoff, then records failed after MAIL_MAX_ATTEMPTS', async () => {
      const { invitationId } = await inviteAndFindId(t, admin, uniqueEmail('tempfail'));
      const retrying = await eventually(async () => {
        const m = await mailOf(t, invitationId);
        return m.last_error !== null ? m : undefined;
      });
      expect(retrying.last_error).toMatch(/451/);
      const failed = await eventually(async () => {
        const m = await mailOf(t, invitationId);
        return m.status === 'failed' ? m : undefined;
      });
      expect(failed).toMatchObject({ attempts: 3, secret: null });
    });

    it('lets only one claimant lease each due mail (FOR UPDATE SKIP LOCKED), even with claims racing', async () => {
      const worker = t.app.get(MailOutboxWorker);
      await t.dataSource.query(
        `INSERT INTO mail_outbox (kind, recipient, subject, body_text)
         SELECT 'test', 'claim' || g || '@example.com', 'Claim test', 'Hello'
           FROM generate_series(1, 40) g`,
      );
      const claims = await Promise.all(Array.from({ length: 8 }, () => worker.claim(6)));
      const ids = claims.flat().map((m: ClaimedMail) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      await worker.idle();
      // The running worker may have taken some; still, no mail was leased twice.
      const rows: { attempts: number }[] = await t.dataSource.query(
        `SELECT attempts FROM mail_outbox WHERE kind = 'test'`,
      );
      expect(rows).toHaveLength(40);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
    });
  });

  describe('stopping', () => {
    let smtp: TestSmtpServer;
    let t: TestApp;

    beforeAll(async () => {
      smtp = await startSmtpServer();
      t = await createTestApp({ SMTP_URL: smtp.url, MAIL_BATCH_SIZE: '10', MAIL_POLL_INTERVAL_MS: '60000' });
    });
    afterAll(async () => {
      await t.close();
      await smtp.close();
    });

    it('finishes the mail in hand and gives the rest of its batch back, unsent and uncounted', async () => {
      const worker = t.app.get(MailOutboxWorker);
      await worker.idle();
      await t.dataSource.query(
        `INSERT INTO mail_outbox (kind, recipient, subject, body_text)
         SELECT 'test', 'slow' || g || '@example.com', 'Shutdown test', 'Hello'
           FROM generate_series(1, 5) g`,
      );
      worker.kick();
      await smtp.waitFor('slow1@example.com').catch(() => undefined);
      await worker.onModuleDestroy();
      const rows: { status: string; attempts: number }[] = await t.dataSource.query(
        `SELECT status, attempts FROM mail_outbox WHERE kind = 'test' ORDER BY id`,
      );
      const sent = rows.filter((r) => r.status === 'sent');
      expect(sent.length).toBeGreaterThanOrEqual(1);
      expect(sent.length).toBeLessThan(5);
      expect(sent.every((r) => r.attempts === 1)).toBe(true);
      expect(rows.filter((r) => r.status === 'pending').every((r) => r.attempts === 0)).toBe(true);
      expect(smtp.messages).toHaveLength(sent.length);
    });
  });

  describe('with the SMTP server down', () => {
    let t: TestApp;
    let admin: Awaited<ReturnType<typeof createAdmin>>;

    beforeAll(async () => {
      t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`, ...FAST_RETRIES });
      admin = await createAdmin(t.dataSource, t.config);
    });
    afterAll(async () => {
      await t.close();
    });

    it('still answers 201 at once, and the mail shows the retries, then failed', async () => {
      const { invitationId, elapsedMs } = await inviteAndFindId(t, admin, uniqueEmail('outage'));
      expect(elapsedMs).toBeLessThan(2000);
      const failed = await eventually(async () => {
        const m = await mailOf(t, invitationId);
        return m.status === 'failed' ? m : undefined;
      });
      expect(failed.attempts).toBe(3);
      expect(failed.last_error).toMatch(/ECONNREFUSED|connect/i);
    });
  });

  describe('without SMTP_URL (development)', () => {
    let t: TestApp;
    let admin: Awaited<ReturnType<typeof createAdmin>>;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'uo-mail-'));
      t = await createTestApp({ MAIL_DIR: dir, MAIL_POLL_INTERVAL_MS: '100' });
      admin = await createAdmin(t.dataSource, t.config);
    });
    afterAll(async () => {
      try {
        await t.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('writes the invitation as an .eml file under MAIL_DIR, with the accept link', async () => {
      const email = uniqueEmail('eml');
      const { invitationId } = await inviteAndFindId(t, admin, email);
      const file = await eventually(async () => (await readdir(dir)).find((f) => f.endsWith('.eml')));
      expect(file).toMatch(/^[0-9T-]+Z-mail-\d+\.eml$/);
      const raw = (await readFile(join(dir, file), 'utf8')).replace(/=\n/g, '');
      expect(raw).toContain(`To: ${email}`);
      expect(raw).toMatch(/token=[A-Za-z0-9_-]{43}/);
      const mail = await eventually(async () => {
        const m = await mailOf(t, invitationId);
        return m.status === 'sent' ? m : undefined;
      });
      expect(mail.secret).toBeNull();
    });
  });
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
