import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { Scope } from '../src/memberships/membership.constants.js';
import {
  addMembership,
  authHeaders,
  countRows,
  createAdmin,
  createUser,
  tokensFor,
  uniqueEmail,
} from './utils/fixtures.js';
import { startSmtpServer, tokenFrom, type TestSmtpServer } from './utils/smtp-test-server.js';
import { onRealPostgres } from './utils/test-database.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { eventually } from './utils/wait.js';

const BASE = '/users-organizations/v1';
const ACCEPT_URL = 'https://app.example.test/invitations/accept?token={token}';

describe('invitations: the lifecycle, with the email received on a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof createAdmin>>;
  let orgName: string;
  let adminEmail: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Memberships <no-reply@example.test>',
      INVITATION_ACCEPT_URL: ACCEPT_URL,
      MAIL_POLL_INTERVAL_MS: '500',
    });
    admin = await createAdmin(t.dataSource, t.config);
    [{ name: orgName }] = await t.dataSource.query(`SELECT name FROM organizations WHERE id = $1`, [
      admin.organizationId,
    ]);
    [{ email: adminEmail }] = await t.dataSource.query(`SELECT email FROM users WHERE id = $1`, [admin.userId]);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  /** Invites `email` as the admin; returns the invitee's id, the invitation id and its tokens. */
  async function invite(email = uniqueEmail('invitee'), body: Record<string, unknown> = {}) {
    const res = await request(t.http)
      .post(`${BASE}/rs/na/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email, scope: 2, permissions: { group: 0, read: [1], manage: [] }, ...body })
      .expect(201);
    const receivedAfter201 = performance.now();
    const userId = res.body.data.userId as number;
    const [{ id }] = await t.dataSource.query(
      `SELECT id FROM user_organizations WHERE user_id = $1 AND organization_id = $2 AND deleted_at IS NULL`,
      [userId, admin.organizationId],
    );
    const invitee = authHeaders(await tokensFor(t.dataSource, t.config, userId));
    return { email, userId, invitationId: Number(id), invitee, response: res.body, at201: receivedAfter201 };
  }

  const acceptByToken = (headers: Record<string, string>, token: string) =>
    request(t.http).post(`${BASE}/invitations/accept`).set(headers).send({ token });
  const declineByToken = (headers: Record<string, string>, token: string) =>
    request(t.http).post(`${BASE}/invitations/decline`).set(headers).send({ token });
  const answerById = (
    headers: Record<string, string>,
    userId: number,
    invitationId: number,
    answer: 'accept' | 'decline',
  ) => request(t.http).post(`${BASE}/rs/na/${userId}/invitations/${invitationId}/${answer}`).set(headers).send();
  const revoke = (invitationId: number, headers = admin.headers, userId = admin.userId) =>
    request(t.http).delete(`${BASE}/rs/na/${userId}/invitations/${invitationId}`).set(headers);
  const resend = (invitationId: number, headers = admin.headers, userId = admin.userId) =>
    request(t.http).post(`${BASE}/rs/na/${userId}/invitations/${invitationId}/resend`).set(headers).send();
  const getInvitation = (invitationId: number, headers: Record<string, string>, userId: number) =>
    request(t.http).get(`${BASE}/rs/na/${userId}/invitations/${invitationId}`).set(headers);
  const listMine = (headers: Record<string, string>, userId: number, query = '') =>
    request(t.http).get(`${BASE}/rs/na/${userId}/invitations${query}`).set(headers);

  it('invite → email received (organization, inviter, link) → accept with its token → an active member', async () => {
    const inv = await invite(uniqueEmail('alice'));
    const mail = await smtp.waitFor(inv.email);
    const latencyMs = mail.receivedAt - inv.at201;
    console.log(
      `First invitation email reached the SMTP server ${latencyMs.toFixed(1)} ms after the 201 ` +
        "(a new SMTP connection: smtp-server's 100 ms greeting delay included)",
    );

    expect(mail.from).toBe('no-reply@example.test');
    expect(mail.raw).toContain(`Subject: Invitation to join ${orgName}`);
    expect(mail.raw).toContain(`${adminEmail} invited you to join ${orgName} as a member`);
    expect(mail.raw).toContain('https://app.example.test/invitations/accept?token=');
    const token = tokenFrom(mail);

    // Only the hash is kept; once sent, the sealed token is cleared and nothing holds it in clear.
    const [row] = await t.dataSource.query(`SELECT invitation_token_hash FROM user_organizations WHERE id = $1`, [
      inv.invitationId,
    ]);
    expect(row.invitation_token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    const mailRow = await eventually(async () => {
      const [r] = await t.dataSource.query(`SELECT * FROM mail_outbox WHERE membership_id = $1`, [inv.invitationId]);
      return r.status === 'sent' ? r : undefined;
    });
    expect(mailRow).toMatchObject({ status: 'sent', attempts: 1, secret: null, last_error: null });
    const dump = JSON.stringify(
      await t.dataSource.query(
        `SELECT (SELECT json_agg(m) FROM mail_outbox m) AS mails, (SELECT json_agg(a) FROM audit_events a) AS audit,
                (SELECT json_agg(u) FROM user_organizations u) AS memberships`,
      ),
    );
    expect(dump).not.toContain(token);

    // The invitee sees it, with the delivery, and never a token.
    const list = await listMine(inv.invitee, inv.userId).expect(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({
      invitationId: inv.invitationId,
      organizationId: admin.organizationId,
      organizationName: orgName,
      inviterEmail: adminEmail,
      status: 'invited',
      state: 'pending',
      mail: { status: 'sent', attempts: 1, lastError: null },
    });
    expect(JSON.stringify(list.body)).not.toMatch(/token/i);

    const accepted = await acceptByToken(inv.invitee, token).set('x-request-id', 'accept-1').expect(200);
    expect(accepted.body).toEqual({
      data: {
        userId: inv.userId,
        organizationId: admin.organizationId,
        scope: 2,
        permissions: { group: 0, read: [1], manage: [] },
        professionId: null,
        status: 'active',
        deletedAt: null,
        updatedAt: expect.any(String),
        createdAt: inv.response.data.createdAt,
      },
    });
    const [user] = await t.dataSource.query(`SELECT status FROM users WHERE id = $1`, [inv.userId]);
    expect(user.status).toBe('active');
    const [membership] = await t.dataSource.query(
      `SELECT status, accepted_at IS NOT NULL AS accepted FROM user_organizations WHERE id = $1`,
      [inv.invitationId],
    );
    expect(membership).toEqual({ status: 'active', accepted: true });
    const [event] = await t.dataSource.query(
      `SELECT * FROM audit_events WHERE action = 'invitation.accepted' AND membership_id = $1`,
      [inv.invitationId],
    );
    expect(event).toMatchObject({
      actor_user_id: inv.userId,
      organization_id: admin.organizationId,
      target_user_id: inv.userId,
      before: { status: 'invited' },
      after: { status: 'active', userActivated: true },
      request_id: 'accept-1',
    });
    expect((await listMine(inv.invitee, inv.userId).expect(200)).body.data).toEqual([]);

    // Accepting twice (by token or by id) returns the same membership; declining now is a conflict.
    const again = await acceptByToken(inv.invitee, token).expect(200);
    expect(again.body).toEqual(accepted.body);
    const byId = await answerById(inv.invitee, inv.userId, inv.invitationId, 'accept').expect(200);
    expect(byId.body).toEqual(accepted.body);
    expect((await declineByToken(inv.invitee, token).expect(409)).body.code).toBe('INVITATION_ALREADY_ACCEPTED');
    expect((await revoke(inv.invitationId).expect(409)).body.code).toBe('INVITATION_ALREADY_ACCEPTED');
    expect(
      await countRows(t.dataSource, 'audit_events', `action = 'invitation.accepted' AND membership_id = $1`, [
        inv.invitationId,
      ]),
    ).toBe(1);
  });

  it('invite → decline by id → accepting is refused (410) → invite again', async () => {
    const inv = await invite();
    const token = tokenFrom(await smtp.waitFor(inv.email));
    const declined = await answerById(inv.invitee, inv.userId, inv.invitationId, 'decline').expect(200);
    expect(declined.body.data).toMatchObject({ status: 'invited', deletedAt: expect.any(String) });
    const [row] = await t.dataSource.query(`SELECT end_reason, ended_by FROM user_organizations WHERE id = $1`, [
      inv.invitationId,
    ]);
    expect(row).toEqual({ end_reason: 'declined', ended_by: inv.userId });
    expect(
      await countRows(t.dataSource, 'audit_events', `action = 'invitation.declined' AND membership_id = $1`, [
        inv.invitationId,
      ]),
    ).toBe(1);

    // Declining twice answers the same; accepting is gone.
    expect((await declineByToken(inv.invitee, token).expect(200)).body).toEqual(declined.body);
    expect((await acceptByToken(inv.invitee, token).expect(410)).body.code).toBe('INVITATION_DECLINED');
    expect((await answerById(inv.invitee, inv.userId, inv.invitationId, 'accept').expect(410)).body.code).toBe(
      'INVITATION_DECLINED',
    );
    expect((await resend(inv.invitationId).expect(410)).body.code).toBe('INVITATION_DECLINED');

    await request(t.http)
      .post(`${BASE}/rs/na/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email: inv.email, scope: 2, permissions: { group: 0, read: [], manage: [] } })
      .expect(201);
  });

  it("invite → revoke → accepting is refused (410); to anyone but its organization's admins it does not exist", async () => {
    const inv = await invite();
    const token = tokenFrom(await smtp.waitFor(inv.email));

    // The invitee, a plain member and an admin of another organization may not revoke: to them
    // it is an unknown invitation.
    expect((await revoke(inv.invitationId, inv.invitee, inv.userId).expect(404)).body.code).toBe(
      'INVITATION_NOT_FOUND',
    );
    const memberId = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: memberId, organizationId: admin.organizationId, scope: Scope.MEMBER });
    const member = authHeaders(await tokensFor(t.dataSource, t.config, memberId));
    await revoke(inv.invitationId, member, memberId).expect(404);
    const otherAdmin = await createAdmin(t.dataSource, t.config);
    await revoke(inv.invitationId, otherAdmin.headers, otherAdmin.userId).expect(404);
    await revoke(inv.invitationId, admin.headers, admin.userId + 1000).expect(403);
    await revoke(999_999_999).expect(404);

    const revoked = await revoke(inv.invitationId).set('x-request-id', 'revoke-1').expect(200);
    expect(revoked.body.data).toMatchObject({
      invitationId: inv.invitationId,
      state: 'revoked',
      deletedAt: expect.any(String),
      email: inv.email,
    });
    const [event] = await t.dataSource.query(
      `SELECT * FROM audit_events WHERE action = 'invitation.revoked' AND membership_id = $1`,
      [inv.invitationId],
    );
    expect(event).toMatchObject({
      actor_user_id: admin.userId,
      target_user_id: inv.userId,
      before: { deletedAt: null },
      after: { endReason: 'revoked', deletedAt: expect.any(String) },
      request_id: 'revoke-1',
    });
    expect((await revoke(inv.invitationId).expect(200)).body.data.state).toBe('revoked');

    expect((await acceptByToken(inv.invitee, token).expect(410)).body.code).toBe('INVITATION_REVOKED');
    expect((await answerById(inv.invitee, inv.userId, inv.invitationId, 'accept').expect(410)).body.code).toBe(
      'INVITATION_REVOKED',
    );
    expect((await declineByToken(inv.invitee, token).expect(410)).body.code).toBe('INVITATION_REVOKED');
    expect((await listMine(inv.invitee, inv.userId).expect(200)).body.data).toEqual([]);
    const [membership] = await t.dataSource.query(`SELECT status FROM user_organizations WHERE id = $1`, [
      inv.invitationId,
    ]);
    expect(membership.status).toBe('invited');
  });

  it('invite → expiry → accepting is refused (410) → invite again → the new link works', async () => {
    const inv = await invite();
    const oldToken = tokenFrom(await smtp.waitFor(inv.email));
    await t.dataSource.query(
      `UPDATE user_organizations SET invitation_expires_at = now() - interval '1 second' WHERE id = $1`,
      [inv.invitationId],
    );

    expect((await acceptByToken(inv.invitee, oldToken).expect(410)).body.code).toBe('INVITATION_EXPIRED');
    expect((await answerById(inv.invitee, inv.userId, inv.invitationId, 'decline').expect(410)).body.code).toBe(
      'INVITATION_EXPIRED',
    );
    expect((await listMine(inv.invitee, inv.userId).expect(200)).body.data).toEqual([]);
    const withExpired = await listMine(inv.invitee, inv.userId, '?includeExpired=true').expect(200);
    expect(withExpired.body.data).toEqual([
      expect.objectContaining({ invitationId: inv.invitationId, state: 'expired' }),
    ]);

    smtp.messages.length = 0;
    const again = await request(t.http)
      .post(`${BASE}/rs/na/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email: inv.email.toUpperCase(), scope: 1, permissions: { group: 1, read: [], manage: [] } })
      .expect(201);
    expect(again.body.data).toMatchObject({ userId: inv.userId, scope: 1, status: 'invited' });
    const [old] = await t.dataSource.query(
      `SELECT end_reason, deleted_at IS NOT NULL AS deleted FROM user_organizations WHERE id = $1`,
      [inv.invitationId],
    );
    expect(old).toEqual({ end_reason: 'expired', deleted: true });

    const newToken = tokenFrom(await smtp.waitFor(inv.email));
    expect(newToken).not.toBe(oldToken);
    expect(smtp.messages[0].raw).toContain('as an admin');
    expect((await acceptByToken(inv.invitee, oldToken).expect(410)).body.code).toBe('INVITATION_EXPIRED');
    const accepted = await acceptByToken(inv.invitee, newToken).expect(200);
    expect(accepted.body.data).toMatchObject({ scope: 1, status: 'active', organizationId: admin.organizationId });
  });

  it('resend: a new token and expiry, the old link dead, at most 3 per hour (then 429 with Retry-After)', async () => {
    const inv = await invite();
    const first = tokenFrom(await smtp.waitFor(inv.email));
    const [before] = await t.dataSource.query(`SELECT invitation_expires_at FROM user_organizations WHERE id = $1`, [
      inv.invitationId,
    ]);
    smtp.messages.length = 0;

    const res = await resend(inv.invitationId).expect(200);
    expect(res.body.data).toMatchObject({
      invitationId: inv.invitationId,
      state: 'pending',
      mail: { status: 'pending' },
    });
    expect(new Date(res.body.data.expiresAt).getTime()).toBeGreaterThan(
      new Date(before.invitation_expires_at).getTime(),
    );
    const second = tokenFrom(await smtp.waitFor(inv.email));
    expect(second).not.toBe(first);
    expect((await acceptByToken(inv.invitee, first).expect(404)).body.code).toBe('INVITATION_NOT_FOUND');

    await resend(inv.invitationId).expect(200);
    await resend(inv.invitationId).expect(200);
    const limited = await resend(inv.invitationId).expect(429);
    expect(limited.body).toMatchObject({ code: 'INVITATION_RESEND_LIMITED', retryAfterSeconds: expect.any(Number) });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(
      await countRows(t.dataSource, 'audit_events', `action = 'invitation.resent' AND membership_id = $1`, [
        inv.invitationId,
      ]),
    ).toBe(3);

    // Once the oldest resend is more than an hour old, one more fits.
    await t.dataSource.query(
      `UPDATE mail_outbox SET created_at = now() - interval '61 minutes'
        WHERE id = (SELECT min(id) FROM mail_outbox WHERE membership_id = $1 AND kind = 'invitation.resent')`,
      [inv.invitationId],
    );
    await resend(inv.invitationId).expect(200);

    // The admin sees the delivery of the latest email; only the latest token works.
    const latest = await eventually(async () => {
      const r = await getInvitation(inv.invitationId, admin.headers, admin.userId).expect(200);
      return r.body.data.mail.status === 'sent' ? r.body.data : undefined;
    });
    expect(latest.mail).toMatchObject({ status: 'sent', attempts: 1, lastError: null, sentAt: expect.any(String) });
    const [{ n: cancelledOrSent }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM mail_outbox WHERE membership_id = $1 AND status IN ('sent', 'cancelled')`,
      [inv.invitationId],
    );
    expect(cancelledOrSent).toBe(5);
    const lastToken = tokenFrom(smtp.messages[smtp.messages.length - 1]);
    await acceptByToken(inv.invitee, lastToken).expect(200);
    expect((await resend(inv.invitationId).expect(409)).body.code).toBe('INVITATION_ALREADY_ACCEPTED');
  });

  it('lets an admin resend an expired invitation, which makes it pending again', async () => {
    const inv = await invite();
    await smtp.waitFor(inv.email);
    await t.dataSource.query(
      `UPDATE user_organizations SET invitation_expires_at = now() - interval '1 second' WHERE id = $1`,
      [inv.invitationId],
    );
    const res = await resend(inv.invitationId).expect(200);
    expect(res.body.data.state).toBe('pending');
  });

  it('keeps invitations to their invitee: another account gets 403 by token and 404 by id', async () => {
    const inv = await invite();
    const token = tokenFrom(await smtp.waitFor(inv.email));
    const strangerId = await createUser(t.dataSource);
    const stranger = authHeaders(await tokensFor(t.dataSource, t.config, strangerId));

    expect((await acceptByToken(stranger, token).expect(403)).body.code).toBe('INVITATION_NOT_FOR_CALLER');
    expect((await declineByToken(stranger, token).expect(403)).body.code).toBe('INVITATION_NOT_FOR_CALLER');
    expect((await answerById(stranger, strangerId, inv.invitationId, 'accept').expect(404)).body.code).toBe(
      'INVITATION_NOT_FOUND',
    );
    expect((await answerById(stranger, inv.userId, inv.invitationId, 'accept').expect(403)).body.code).toBe(
      'NOT_THE_CALLER',
    );
    expect((await getInvitation(inv.invitationId, stranger, strangerId).expect(404)).body.code).toBe(
      'INVITATION_NOT_FOUND',
    );
    await listMine(stranger, inv.userId).expect(403);

    // The invitee reads it, without the delivery error; the admin with it.
    const mine = await getInvitation(inv.invitationId, inv.invitee, inv.userId).expect(200);
    expect(mine.body.data).toMatchObject({ invitationId: inv.invitationId, state: 'pending' });
    await getInvitation(inv.invitationId, admin.headers, admin.userId).expect(200);

    const [{ status }] = await t.dataSource.query(`SELECT status FROM user_organizations WHERE id = $1`, [
      inv.invitationId,
    ]);
    expect(status).toBe('invited');
  });

  it('validates tokens: malformed → 400, unknown → 404; ids are strict', async () => {
    const inv = await invite();
    for (const token of ['short', 'x'.repeat(44), `${'a'.repeat(42)}=`, 42, null]) {
      const res = await request(t.http).post(`${BASE}/invitations/accept`).set(inv.invitee).send({ token }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    await request(t.http)
      .post(`${BASE}/invitations/accept`)
      .set(inv.invitee)
      .send({ token: 'a'.repeat(43), extra: 1 })
      .expect(400);
    expect((await acceptByToken(inv.invitee, 'A'.repeat(43)).expect(404)).body.code).toBe('INVITATION_NOT_FOUND');
    await request(t.http)
      .post(`${BASE}/invitations/accept`)
      .send({ token: 'a'.repeat(43) })
      .expect(401);
    for (const bad of ['1e3', '-0x1', '9007199254740993']) {
      await request(t.http)
        .post(`${BASE}/rs/na/${inv.userId}/invitations/${bad}/accept`)
        .set(inv.invitee)
        .send()
        .expect(400);
    }
  });

  it('lists my pending invitations newest first, page by page', async () => {
    const email = uniqueEmail('many');
    const admins = [admin, await createAdmin(t.dataSource, t.config), await createAdmin(t.dataSource, t.config)];
    const ids: number[] = [];
    for (const a of admins) {
      await request(t.http)
        .post(`${BASE}/rs/na/${a.userId}/invite`)
        .set(a.headers)
        .send({ email, scope: 2, permissions: { group: 0, read: [], manage: [] } })
        .expect(201);
      const [{ id }] = await t.dataSource.query(
        `SELECT uo.id FROM user_organizations uo JOIN users u ON u.id = uo.user_id
          WHERE lower(u.email) = lower($1) AND uo.organization_id = $2`,
        [email, a.organizationId],
      );
      ids.push(Number(id));
    }
    const [{ id: userId }] = await t.dataSource.query(`SELECT id FROM users WHERE email = $1`, [email]);
    const headers = authHeaders(await tokensFor(t.dataSource, t.config, Number(userId)));

    const page1 = await listMine(headers, userId, '?limit=2').expect(200);
    expect(page1.body.data.map((i: { invitationId: number }) => i.invitationId)).toEqual([ids[2], ids[1]]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await listMine(headers, userId, `?limit=2&cursor=${page1.body.nextCursor}`).expect(200);
    expect(page2.body.data.map((i: { invitationId: number }) => i.invitationId)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    for (const bad of ['?limit=0', '?limit=101', '?limit=1.5', '?cursor=nope', '?includeExpired=yes']) {
      expect((await listMine(headers, userId, bad).expect(400)).body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('delivers invitation emails within a few milliseconds of the 201 on a pooled connection (measured)', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const inv = await invite(uniqueEmail(`latency${i}`));
      const mail = await smtp.waitFor(inv.email);
      latencies.push(mail.receivedAt - inv.at201);
    }
    latencies.sort((a, b) => a - b);
    const median = (latencies[4] + latencies[5]) / 2;
    console.log(
      `Invitation email latency, 201 → SMTP server, 10 invites (${onRealPostgres() ? 'PostgreSQL' : 'embedded PGlite'}): ` +
        `median ${median.toFixed(1)} ms, min ${latencies[0].toFixed(1)} ms, max ${latencies[9].toFixed(1)} ms`,
    );
    // Woken after the commit, not by the 500 ms poll.
    expect(median).toBeLessThan(400);
  });
});
