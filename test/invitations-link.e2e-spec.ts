import { createHash } from 'node:crypto';
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
import { createTestApp, type TestApp } from './utils/test-app.js';

const BASE = '/users-organizations/v1';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const UNKNOWN_TOKEN = 'A'.repeat(43);

describe('invitations by link, preview, accept page, revoke by email, list states', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof createAdmin>>;
  let orgName: string;
  let adminEmail: string;

  beforeAll(async () => {
    t = await createTestApp({ MAIL_WORKER_ENABLED: 'false' });
    admin = await createAdmin(t.dataSource, t.config);
    [{ name: orgName }] = await t.dataSource.query(`SELECT name FROM organizations WHERE id = $1`, [
      admin.organizationId,
    ]);
    [{ email: adminEmail }] = await t.dataSource.query(`SELECT email FROM users WHERE id = $1`, [admin.userId]);
  });
  afterAll(async () => {
    await t.close();
  });

  const mails = (invitationId: number) => countRows(t.dataSource, 'mail_outbox', 'membership_id = $1', [invitationId]);
  const invitationRow = async (id: number) =>
    (
      await t.dataSource.query(
        `SELECT invitation_token_hash, invitation_expires_at, deleted_at, end_reason FROM user_organizations WHERE id = $1`,
        [id],
      )
    )[0] as { invitation_token_hash: string; invitation_expires_at: Date; deleted_at: Date | null; end_reason: string };

  /** Invites by link as `inviter` (route 1); returns the 201's body. */
  async function inviteByLink(email = uniqueEmail('link'), inviter = admin, grant: Record<string, unknown> = {}) {
    const res = await request(t.http)
      .post(`${BASE}/rs/na/${inviter.userId}/invite?sendEmail=false`)
      .set(inviter.headers)
      .send({ email, scope: 2, permissions: { group: 0, read: [], manage: [] }, ...grant })
      .expect(201);
    return { email, body: res.body as { data: { userId: number }; invitation: Link } };
  }
  interface Link {
    id: number;
    token: string;
    acceptUrl: string;
    expiresAt: string;
  }
  const preview = (token: unknown) => request(t.http).post(`${BASE}/invitations/preview`).send({ token });

  describe('sendEmail=false', () => {
    it('route 1: queues no mail and answers the link beside data, the token shown only there', async () => {
      const { email, body } = await inviteByLink();
      expect(Object.keys(body).sort()).toEqual(['data', 'invitation']);
      expect(body.data).toMatchObject({ organizationId: admin.organizationId, status: 'invited', scope: 2 });
      const link = body.invitation;
      expect(link.token).toMatch(TOKEN_SHAPE);
      // the default INVITATION_ACCEPT_URL: the service's own page
      expect(link.acceptUrl).toBe(`http://localhost:3000/invitations/accept?token=${link.token}`);
      const row = await invitationRow(link.id);
      expect(row.invitation_token_hash).toBe(sha256(link.token));
      expect(new Date(link.expiresAt).getTime()).toBe(new Date(row.invitation_expires_at).getTime());
      expect(await mails(link.id)).toBe(0);
      const [{ user_id }] = await t.dataSource.query(`SELECT user_id FROM user_organizations WHERE id = $1`, [link.id]);
      expect(Number(user_id)).toBe(body.data.userId);
      // audited like any invite, and no token there
      const audit = await t.dataSource.query(`SELECT after FROM audit_events WHERE membership_id = $1`, [link.id]);
      expect(audit).toHaveLength(1);
      expect(JSON.stringify(audit)).not.toContain(link.token);

      // the invitee accepts with the token it was handed
      const invitee = authHeaders(await tokensFor(t.dataSource, t.config, body.data.userId));
      const accepted = await request(t.http)
        .post(`${BASE}/invitations/accept`)
        .set(invitee)
        .send({ token: link.token })
        .expect(200);
      expect(accepted.body.data).toMatchObject({ status: 'active', organizationId: admin.organizationId });
      expect(email).toBeDefined();
    });

    it('route 3: keeps its body, queues no mail, and adds the link beside message and user', async () => {
      const email = uniqueEmail('doit');
      const res = await request(t.http)
        .post(`${BASE}/users/invite?sendEmail=false`)
        .set(admin.headers)
        .send({ email, roleId: 'member' })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['invitation', 'message', 'user']);
      expect(res.body.user).toMatchObject({ email, status: 'invited', organizationId: String(admin.organizationId) });
      expect(res.body.message).toContain('no email was sent');
      expect(res.body.invitation.token).toMatch(TOKEN_SHAPE);
      expect(await mails(res.body.invitation.id)).toBe(0);
    });

    it('without it (or with sendEmail=true) an email is queued and no link is answered', async () => {
      for (const query of ['', '?sendEmail=true']) {
        const res = await request(t.http)
          .post(`${BASE}/rs/na/${admin.userId}/invite${query}`)
          .set(admin.headers)
          .send({ email: uniqueEmail('mailed'), scope: 2, permissions: { group: 0, read: [], manage: [] } })
          .expect(201);
        expect(res.body.invitation).toBeUndefined();
        const [{ id }] = await t.dataSource.query(
          `SELECT id FROM user_organizations WHERE user_id = $1 AND organization_id = $2 AND deleted_at IS NULL`,
          [res.body.data.userId, admin.organizationId],
        );
        expect(await mails(Number(id))).toBe(1);
      }
      const doit = await request(t.http)
        .post(`${BASE}/users/invite`)
        .set(admin.headers)
        .send({ email: uniqueEmail('doit.mailed') })
        .expect(201);
      expect(doit.body.invitation).toBeUndefined();
    });

    it.each(['no', 'False', '0', ''])('refuses sendEmail=%p with 400 and a details path', async (value) => {
      for (const path of [`${BASE}/rs/na/${admin.userId}/invite`, `${BASE}/users/invite`]) {
        const res = await request(t.http)
          .post(`${path}?sendEmail=${value}`)
          .set(admin.headers)
          .send({ email: uniqueEmail('bad'), scope: 2, permissions: { group: 0, read: [], manage: [] } });
        expect(res.status).toBe(400);
        expect(res.body.details).toEqual(
          expect.arrayContaining([{ path: 'query.sendEmail', message: expect.any(String) }]),
        );
      }
    });

    it('never stores the token for an Idempotency-Key: a replay answers without the link', async () => {
      const key = `link-${Date.now()}`;
      const send = () =>
        request(t.http)
          .post(`${BASE}/rs/na/${admin.userId}/invite?sendEmail=false`)
          .set(admin.headers)
          .set('Idempotency-Key', key)
          .send({ email: 'idempotent.link@example.com', scope: 2, permissions: { group: 0, read: [], manage: [] } });
      const first = await send().expect(201);
      const token = first.body.invitation.token as string;
      expect(token).toMatch(TOKEN_SHAPE);
      const replay = await send().expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual({ data: first.body.data });
      const [stored] = await t.dataSource.query(`SELECT response_body FROM idempotency_keys WHERE key = $1`, [key]);
      expect(stored.response_body).toEqual({ data: first.body.data });
      expect(JSON.stringify(await t.dataSource.query(`SELECT * FROM idempotency_keys`))).not.toContain(token);
    });

    it('resend with sendEmail=false issues a new token the same way: old link unknown, no mail', async () => {
      const { body } = await inviteByLink();
      const first = body.invitation;
      const res = await request(t.http)
        .post(`${BASE}/rs/na/${admin.userId}/invitations/${first.id}/resend?sendEmail=false`)
        .set(admin.headers)
        .send()
        .expect(200);
      expect(res.body.data).toMatchObject({ invitationId: first.id, state: 'pending', mail: null });
      const second = res.body.invitation as Link;
      expect(second.id).toBe(first.id);
      expect(second.token).toMatch(TOKEN_SHAPE);
      expect(second.token).not.toBe(first.token);
      expect(second.acceptUrl).toBe(`http://localhost:3000/invitations/accept?token=${second.token}`);
      expect((await invitationRow(first.id)).invitation_token_hash).toBe(sha256(second.token));
      expect(await mails(first.id)).toBe(0);
      await preview(first.token).expect(404);
      expect((await preview(second.token).expect(200)).body.data.state).toBe('pending');

      // a plain resend emails again and shows no token
      const mailed = await request(t.http)
        .post(`${BASE}/rs/na/${admin.userId}/invitations/${first.id}/resend`)
        .set(admin.headers)
        .send()
        .expect(200);
      expect(mailed.body.invitation).toBeUndefined();
      expect(await mails(first.id)).toBe(1);
      await preview(second.token).expect(404);
    });
  });

  describe('preview (no credentials)', () => {
    it('shows the organization, role, masked emails, expiry and pending', async () => {
      const { email, body } = await inviteByLink(uniqueEmail('jane'));
      const res = await preview(body.invitation.token).expect(200);
      expect(res.body).toEqual({
        data: {
          organization: { id: admin.organizationId, name: orgName },
          email: `j***@example.com`,
          scope: 2,
          roleKey: null,
          invitedBy: { email: `${adminEmail[0]}***@example.com` },
          expiresAt: body.invitation.expiresAt,
          state: 'pending',
        },
      });
      expect(res.text).not.toContain(email);
      expect(res.text).not.toContain(adminEmail);
    });

    it('tells accepted, declined, revoked and expired', async () => {
      const answered = async (answer: 'accept' | 'decline') => {
        const { body } = await inviteByLink();
        const invitee = authHeaders(await tokensFor(t.dataSource, t.config, body.data.userId));
        await request(t.http)
          .post(`${BASE}/invitations/${answer}`)
          .set(invitee)
          .send({ token: body.invitation.token })
          .expect(200);
        return body.invitation.token;
      };
      expect((await preview(await answered('accept')).expect(200)).body.data.state).toBe('accepted');
      expect((await preview(await answered('decline')).expect(200)).body.data.state).toBe('declined');

      const revoked = (await inviteByLink()).body.invitation;
      await request(t.http)
        .delete(`${BASE}/rs/na/${admin.userId}/invitations/${revoked.id}`)
        .set(admin.headers)
        .expect(200);
      expect((await preview(revoked.token).expect(200)).body.data.state).toBe('revoked');

      const expired = (await inviteByLink()).body.invitation;
      await t.dataSource.query(
        `UPDATE user_organizations SET invitation_expires_at = now() - interval '1 minute' WHERE id = $1`,
        [expired.id],
      );
      expect((await preview(expired.token).expect(200)).body.data.state).toBe('expired');
    });

    it('tells revoked when the inviter lost its authority, by the service or by another tool', async () => {
      const org = admin.organizationId;
      const makeAdmin = async () => {
        const userId = await createUser(t.dataSource);
        await addMembership(t.dataSource, {
          userId,
          organizationId: org,
          scope: Scope.ADMIN,
          permissions: { group: 0, read: [], manage: [] },
        });
        const tokens = await tokensFor(t.dataSource, t.config, userId, { organizationId: org });
        return { userId, organizationId: org, tokens, headers: authHeaders(tokens) };
      };
      // demoted through the API: its invitations are revoked in the same transaction
      const demoted = await makeAdmin();
      const viaApi = (await inviteByLink(undefined, demoted)).body.invitation;
      await request(t.http)
        .patch(`${BASE}/rs/na/${admin.userId}/members/${demoted.userId}?organizationId=${org}`)
        .set(admin.headers)
        .send({ scope: 2 })
        .expect(200);
      expect((await invitationRow(viaApi.id)).end_reason).toBe('inviter_lost_access');
      expect((await preview(viaApi.token).expect(200)).body.data.state).toBe('revoked');

      // demoted by another tool writing the table: the invitation is still live, yet cannot be accepted
      const elsewhere = await makeAdmin();
      const viaTable = (await inviteByLink(undefined, elsewhere)).body.invitation;
      await t.dataSource.query(`UPDATE user_organizations SET scope = 2 WHERE user_id = $1 AND organization_id = $2`, [
        elsewhere.userId,
        org,
      ]);
      expect((await invitationRow(viaTable.id)).deleted_at).toBeNull();
      expect((await preview(viaTable.token).expect(200)).body.data.state).toBe('revoked');
    });

    it('answers 404 for an unknown token and 400 with details for a malformed body', async () => {
      const unknown = await preview(UNKNOWN_TOKEN).expect(404);
      expect(unknown.body.code).toBe('INVITATION_NOT_FOUND');
      for (const token of [undefined, 42, 'short', `${'A'.repeat(42)}!`, 'A'.repeat(44)]) {
        const res = await preview(token).expect(400);
        expect(res.body.details).toEqual(expect.arrayContaining([{ path: 'token', message: expect.any(String) }]));
      }
      const extra = await request(t.http)
        .post(`${BASE}/invitations/preview`)
        .send({ token: UNKNOWN_TOKEN, email: 'x@example.com' })
        .expect(400);
      expect(extra.body.code).toBe('VALIDATION_FAILED');
    });

    it('treats an invitation of a soft-deleted organization as unknown', async () => {
      const other = await createAdmin(t.dataSource, t.config);
      const link = (await inviteByLink(undefined, other)).body.invitation;
      await t.dataSource.query(`UPDATE organizations SET deleted_at = now() WHERE id = $1`, [other.organizationId]);
      await preview(link.token).expect(404);
    });
  });

  describe('the accept page', () => {
    it('shows organization, role, inviter, expiry, state and how to accept, as HTML under the CSP', async () => {
      const { body } = await inviteByLink(uniqueEmail('page'));
      const res = await request(t.http).get(`/invitations/accept?token=${body.invitation.token}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain(orgName);
      expect(res.text).toContain('Member');
      expect(res.text).toContain(`${adminEmail[0]}***@example.com`);
      expect(res.text).toContain('p***@example.com');
      expect(res.text).toContain('How to accept');
      expect(res.text).toContain(`POST ${BASE}/invitations/accept`);
      expect(res.text).not.toMatch(/<script/i);
      expect(res.text).not.toContain(adminEmail);
    });

    it('says clearly when a link is unknown, malformed or missing (404, HTML)', async () => {
      for (const query of [`?token=${UNKNOWN_TOKEN}`, '?token=short', '', `?token=a&token=b`]) {
        const res = await request(t.http).get(`/invitations/accept${query}`).expect(404);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.text).toContain('This invitation link is not valid');
      }
    });

    it('says when an invitation has ended (410, HTML) and when it was accepted (200)', async () => {
      const revoked = (await inviteByLink()).body.invitation;
      await request(t.http)
        .delete(`${BASE}/rs/na/${admin.userId}/invitations/${revoked.id}`)
        .set(admin.headers)
        .expect(200);
      const gone = await request(t.http).get(`/invitations/accept?token=${revoked.token}`).expect(410);
      expect(gone.text).toContain('This invitation was revoked');
      expect(gone.text).toContain(orgName);

      const { body } = await inviteByLink();
      const invitee = authHeaders(await tokensFor(t.dataSource, t.config, body.data.userId));
      await request(t.http)
        .post(`${BASE}/invitations/accept`)
        .set(invitee)
        .send({ token: body.invitation.token })
        .expect(200);
      const accepted = await request(t.http).get(`/invitations/accept?token=${body.invitation.token}`).expect(200);
      expect(accepted.text).toContain('This invitation was already accepted');
    });
  });

  describe('revoke by email', () => {
    const revokeByEmail = (email: string, headers = admin.headers, userId = admin.userId, query = '') =>
      request(t.http)
        .delete(`${BASE}/rs/na/${userId}/invitations?email=${encodeURIComponent(email)}${query}`)
        .set(headers);

    it('revokes the pending invitation of the address, in any ASCII case, audited as revoke by id', async () => {
      const { email, body } = await inviteByLink(uniqueEmail('revokee'));
      const res = await revokeByEmail(email.toUpperCase()).expect(200);
      expect(res.body.data).toMatchObject({ invitationId: body.invitation.id, state: 'revoked', email });
      const row = await invitationRow(body.invitation.id);
      expect(row.end_reason).toBe('revoked');
      expect(row.deleted_at).not.toBeNull();
      const audit = await t.dataSource.query(
        `SELECT actor_user_id, organization_id FROM audit_events WHERE membership_id = $1 AND action = 'invitation.revoked'`,
        [body.invitation.id],
      );
      expect(audit).toEqual([{ actor_user_id: expect.anything(), organization_id: expect.anything() }]);
      expect(Number(audit[0].actor_user_id)).toBe(admin.userId);
      // nothing pending any more
      const again = await revokeByEmail(email).expect(404);
      expect(again.body.code).toBe('INVITATION_NOT_FOUND');
      await preview(body.invitation.token).expect(200);
    });

    it('answers 404 for an address with no pending invitation, even a member of the organization', async () => {
      await revokeByEmail(uniqueEmail('nobody')).expect(404);
      const [{ email }] = await t.dataSource.query(`SELECT email FROM users WHERE id = $1`, [admin.userId]);
      await revokeByEmail(email as string).expect(404);
    });

    it('never reaches into another organization', async () => {
      const other = await createAdmin(t.dataSource, t.config);
      const { email, body } = await inviteByLink(uniqueEmail('elsewhere'), other);
      await revokeByEmail(email).expect(404);
      await revokeByEmail(email, admin.headers, admin.userId, `&organizationId=${other.organizationId}`).expect(403);
      expect((await invitationRow(body.invitation.id)).deleted_at).toBeNull();
    });

    it('refuses a malformed or missing email with 400 and details, and another caller with 403', async () => {
      for (const query of ['?email=not-an-address', '', `?email=${'a'.repeat(250)}%40example.com`]) {
        const res = await request(t.http)
          .delete(`${BASE}/rs/na/${admin.userId}/invitations${query}`)
          .set(admin.headers)
          .expect(400);
        expect(res.body.details).toEqual(
          expect.arrayContaining([{ path: 'query.email', message: expect.any(String) }]),
        );
      }
      const res = await request(t.http)
        .delete(`${BASE}/rs/na/${admin.userId}/invitations?email=a%40example.com&organizationId=x`)
        .set(admin.headers)
        .expect(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([{ path: 'query.organizationId', message: expect.any(String) }]),
      );
      const stranger = await createAdmin(t.dataSource, t.config);
      await revokeByEmail('a@example.com', stranger.headers, admin.userId).expect(403);
    });
  });

  describe("the admin's list of invitations", () => {
    it('tells pending or expired on each invitation and filters by state and invitedBy', async () => {
      const org = await createAdmin(t.dataSource, t.config);
      const second = await createUser(t.dataSource);
      await addMembership(t.dataSource, { userId: second, organizationId: org.organizationId, scope: Scope.ADMIN });
      const secondAdmin = {
        userId: second,
        headers: authHeaders(await tokensFor(t.dataSource, t.config, second)),
      } as typeof org;
      const pending = (await inviteByLink(undefined, org)).body.invitation;
      const expired = (await inviteByLink(undefined, org)).body.invitation;
      const bySecond = (await inviteByLink(undefined, secondAdmin)).body.invitation;
      await t.dataSource.query(
        `UPDATE user_organizations SET invitation_expires_at = now() - interval '1 minute' WHERE id = $1`,
        [expired.id],
      );
      const list = (query: string) =>
        request(t.http).get(`${BASE}/rs/na/${org.userId}/members${query}`).set(org.headers).expect(200);

      const all = await list('');
      const stateOf = Object.fromEntries(
        (all.body.data as { id: number; state: string | null }[]).map((m) => [m.id, m.state]),
      );
      expect(stateOf[pending.id]).toBe('pending');
      expect(stateOf[expired.id]).toBe('expired');
      expect(stateOf[bySecond.id]).toBe('pending');
      const members = (all.body.data as { status: string; state: string | null }[]).filter(
        (m) => m.status === 'active',
      );
      expect(members).toHaveLength(2);
      expect(members.every((m) => m.state === null)).toBe(true);

      const ids = (res: request.Response) => (res.body.data as { id: number }[]).map((m) => m.id);
      expect(ids(await list('?status=invited&state=expired'))).toEqual([expired.id]);
      expect(ids(await list('?state=pending'))).toEqual([pending.id, bySecond.id]);
      expect(ids(await list(`?status=invited&invitedBy=${second}`))).toEqual([bySecond.id]);
      expect(ids(await list(`?invitedBy=${org.userId}&state=pending`))).toEqual([pending.id]);
      expect(ids(await list('?status=active&state=pending'))).toEqual([]);

      for (const query of ['?state=revoked', '?invitedBy=abc', '?invitedBy=1.5']) {
        const res = await request(t.http).get(`${BASE}/rs/na/${org.userId}/members${query}`).set(org.headers);
        expect(res.status).toBe(400);
        expect(res.body.details?.[0]?.path).toBe(`query.${query.slice(1, query.indexOf('='))}`);
      }
    });
  });
});

describe('invitation look-ups are rate limited per client address', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof createAdmin>>;

  beforeAll(async () => {
    t = await createTestApp({
      MAIL_WORKER_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_PREVIEW_PER_MINUTE: '3',
      API_PREFIX: 'main',
    });
    admin = await createAdmin(t.dataSource, t.config);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After past the limit, on the preview route and the accept page alike', async () => {
    const res = await request(t.http)
      .post(`/main${BASE}/rs/na/${admin.userId}/invite?sendEmail=false`)
      .set(admin.headers)
      .send({ email: uniqueEmail('limited'), scope: 2, permissions: { group: 0, read: [], manage: [] } })
      .expect(201);
    const token = res.body.invitation.token as string;
    // outside API_PREFIX, and the API call it shows carries the prefix
    expect(res.body.invitation.acceptUrl).toBe(`http://localhost:3000/invitations/accept?token=${token}`);
    const page = await request(t.http).get(`/invitations/accept?token=${token}`).expect(200);
    expect(page.text).toContain(`POST /main${BASE}/invitations/accept`);
    await request(t.http).get(`/main/invitations/accept?token=${token}`).expect(404);

    await request(t.http).post(`/main${BASE}/invitations/preview`).send({ token }).expect(200);
    await request(t.http).post(`/main${BASE}/invitations/preview`).send({ token: 'malformed' }).expect(400);
    const limited = await request(t.http).post(`/main${BASE}/invitations/preview`).send({ token }).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const limitedPage = await request(t.http).get(`/invitations/accept?token=${token}`).expect(429);
    expect(limitedPage.headers['content-type']).toMatch(/^text\/html/);
    expect(limitedPage.text).toContain('Too many requests');
    expect(Number(limitedPage.headers['retry-after'])).toBeGreaterThan(0);
  });
});
