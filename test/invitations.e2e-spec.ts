import type { Pool } from 'pg';
import request from 'supertest';
import { Scope } from '../src/memberships/membership.constants.js';
import { sessionHash } from '../src/audit/session-hash.js';
import {
  addMembership,
  authHeaders,
  countRows,
  createAdmin,
  createOrganization,
  createUser,
  tokensFor,
  uniqueEmail,
} from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

const MAX = Number.MAX_SAFE_INTEGER;
const TWO_53 = 2 ** 53;

const SEED_BODY = {
  email: 'test@mail.com',
  scope: 1,
  permissions: { group: 0, manage: [1, 2], read: [1, 2] },
  professionId: 1,
};

describe('invitations: the invite routes', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof createAdmin>>;

  const invitePath = (userId = admin.userId) => `/users-organizations/v1/rs/na/${userId}/invite`;
  const invite = (body: unknown, headers = admin.headers, path = invitePath()) =>
    request(t.http)
      .post(path)
      .set(headers)
      .send(body as object);
  const valid = (overrides: Record<string, unknown> = {}) => ({
    email: uniqueEmail('invitee'),
    scope: 2,
    permissions: { group: 0, read: [1], manage: [] },
    ...overrides,
  });

  beforeAll(async () => {
    // This spec is about the routes; the mail worker has its own spec.
    t = await createTestApp({ MAIL_WORKER_ENABLED: 'false' });
    admin = await createAdmin(t.dataSource, t.config);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /users-organizations/v1/rs/na/{userId}/invite (createInviteUserOrganization)', () => {
    it("answers the seed's own example with 201 and exactly the seed's data shape", async () => {
      const res = await invite(SEED_BODY).set('x-request-id', 'seed-example-1').expect(201);
      expect(Object.keys(res.body)).toEqual(['data']);
      expect(Object.keys(res.body.data).sort()).toEqual(
        [
          'createdAt',
          'deletedAt',
          'organizationId',
          'permissions',
          'professionId',
          'scope',
          'status',
          'updatedAt',
          'userId',
        ].sort(),
      );
      expect(res.body.data).toEqual({
        userId: expect.any(Number),
        organizationId: admin.organizationId,
        scope: 1,
        permissions: { group: 0, read: [1, 2], manage: [1, 2] },
        professionId: 1,
        status: 'invited',
        deletedAt: null,
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(Object.keys(res.body.data.permissions)).toEqual(['group', 'read', 'manage']);

      const userId = res.body.data.userId as number;
      const [user] = await t.dataSource.query(`SELECT email, status FROM users WHERE id = $1`, [userId]);
      expect(user).toEqual({ email: 'test@mail.com', status: 'invited' });
      const [row] = await t.dataSource.query(
        `SELECT id, status, invited_by, invitation_token_hash,
                extract(epoch FROM invitation_expires_at - created_at)::int AS ttl
           FROM user_organizations WHERE user_id = $1 AND organization_id = $2`,
        [userId, admin.organizationId],
      );
      expect(row).toMatchObject({ status: 'invited', invited_by: admin.userId, ttl: 7 * 24 * 3600 });
      expect(row.invitation_token_hash).toMatch(/^[0-9a-f]{64}$/);

      const mails = await t.dataSource.query(
        `SELECT kind, recipient, subject, status, secret, payload, body_text FROM mail_outbox WHERE membership_id = $1`,
        [row.id],
      );
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({
        kind: 'invitation',
        recipient: 'test@mail.com',
        status: 'pending',
        body_text: null,
        payload: { organizationName: expect.any(String), inviterEmail: expect.any(String), scope: 1 },
      });
      expect(mails[0].subject).toMatch(/^Invitation to join /);
      // Only sealed: AES-256-GCM of the token, never the token (43 base64url characters) itself.
      expect(mails[0].secret).toMatch(/^v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{80,}$/);

      const events = await t.dataSource.query(`SELECT * FROM audit_events WHERE membership_id = $1`, [row.id]);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        action: 'invitation.created',
        actor_user_id: admin.userId,
        actor_session_hash: sessionHash(admin.tokens.sessionId),
        organization_id: admin.organizationId,
        target_user_id: userId,
        before: null,
        after: { scope: 1, status: 'invited', permissions: { group: 0, read: [1, 2], manage: [1, 2] } },
        request_id: 'seed-example-1',
      });
      expect(JSON.stringify(events[0])).not.toContain(row.invitation_token_hash);
    });

    it('finds an existing user by email case-insensitively, and refuses a second invite in another case with 409', async () => {
      const existingId = await createUser(t.dataSource, 'Mixed.Case@Example.com');
      const first = await invite(valid({ email: 'mixed.case@EXAMPLE.com' })).expect(201);
      expect(first.body.data.userId).toBe(existingId);
      const [user] = await t.dataSource.query(`SELECT email, status FROM users WHERE id = $1`, [existingId]);
      expect(user).toEqual({ email: 'Mixed.Case@Example.com', status: 'active' });

      const again = await invite(valid({ email: 'MIXED.CASE@example.com' })).expect(409);
      expect(again.body).toMatchObject({ code: 'INVITATION_ALREADY_PENDING', error: expect.any(String) });
      expect(await countRows(t.dataSource, 'users', 'lower(email) = $1', ['mixed.case@example.com'])).toBe(1);
      expect(
        await countRows(t.dataSource, 'user_organizations', 'user_id = $1 AND organization_id = $2', [
          existingId,
          admin.organizationId,
        ]),
      ).toBe(1);
    });

    it('refuses to invite an active member with 409 MEMBERSHIP_ALREADY_EXISTS', async () => {
      const email = uniqueEmail('member');
      const userId = await createUser(t.dataSource, email);
      await addMembership(t.dataSource, { userId, organizationId: admin.organizationId });
      const res = await invite(valid({ email: email.toUpperCase() })).expect(409);
      expect(res.body).toMatchObject({ code: 'MEMBERSHIP_ALREADY_EXISTS', requestId: expect.any(String) });
    });

    it('invites a removed (soft-deleted) member again', async () => {
      const email = uniqueEmail('removed');
      const userId = await createUser(t.dataSource, email);
      await addMembership(t.dataSource, { userId, organizationId: admin.organizationId, deleted: true });
      const res = await invite(valid({ email })).expect(201);
      expect(res.body.data).toMatchObject({ userId, status: 'invited', deletedAt: null });
    });

    it('retires an expired pending invitation (end_reason expired, audited) and invites again', async () => {
      const email = uniqueEmail('expired');
      const first = await invite(valid({ email })).expect(201);
      const userId = first.body.data.userId as number;
      await t.dataSource.query(
        `UPDATE user_organizations SET invitation_expires_at = now() - interval '1 minute'
          WHERE user_id = $1 AND deleted_at IS NULL`,
        [userId],
      );
      await invite(valid({ email, scope: 1 })).expect(201);
      const rows = await t.dataSource.query(
        `SELECT id, scope, end_reason, deleted_at IS NOT NULL AS deleted
           FROM user_organizations WHERE user_id = $1 ORDER BY id`,
        [userId],
      );
      expect(rows).toEqual([
        { id: expect.any(Number), scope: 2, end_reason: 'expired', deleted: true },
        { id: expect.any(Number), scope: 1, end_reason: null, deleted: false },
      ]);
      const [expiredEvent] = await t.dataSource.query(
        `SELECT before, after FROM audit_events WHERE action = 'invitation.expired' AND membership_id = $1`,
        [rows[0].id],
      );
      expect(expiredEvent.before).toMatchObject({ status: 'invited', deletedAt: null });
      expect(expiredEvent.after).toMatchObject({ endReason: 'expired', deletedAt: expect.any(String) });
    });

    describe('validation: each rule fails with 400 and a details entry, and its boundary passes', () => {
      const failing: [string, Record<string, unknown>, string][] = [
        ['no email', { email: undefined }, 'email'],
        ['a null email', { email: null }, 'email'],
        ['a numeric email', { email: 42 }, 'email'],
        ['a 251-character email', { email: `${'a'.repeat(251 - '@example.com'.length)}@example.com` }, 'email'],
        ['an email without a top-level domain', { email: 'someone@example' }, 'email'],
        ['an email starting with a dot', { email: '.someone@example.com' }, 'email'],
        ['an email with two dots in a row', { email: 'some..one@example.com' }, 'email'],
        ['an email with a one-letter TLD', { email: 'someone@example.c' }, 'email'],
        ['an email with a space', { email: 'some one@example.com' }, 'email'],
        ['scope as the string "1"', { scope: '1' }, 'scope'],
        ['scope 3', { scope: 3 }, 'scope'],
        ['scope null', { scope: null }, 'scope'],
        ['scope true', { scope: true }, 'scope'],
        ['scope 1.5', { scope: 1.5 }, 'scope'],
        ['no scope', { scope: undefined }, 'scope'],
        ['permissions as []', { permissions: [] }, 'permissions'],
        ['permissions null', { permissions: null }, 'permissions'],
        ['permissions as a string', { permissions: 'all' }, 'permissions'],
        ['no permissions', { permissions: undefined }, 'permissions'],
        ['group as the string "0"', { permissions: { group: '0', read: [], manage: [] } }, 'permissions.group'],
        ['group 2^53', { permissions: { group: TWO_53, read: [], manage: [] } }, 'permissions.group'],
        ['group 1.5', { permissions: { group: 1.5, read: [], manage: [] } }, 'permissions.group'],
        ['no group', { permissions: { read: [], manage: [] } }, 'permissions.group'],
        ['read with 257 entries', { permissions: { group: 0, read: range(257), manage: [] } }, 'permissions.read'],
        ['manage with 257 entries', { permissions: { group: 0, read: [], manage: range(257) } }, 'permissions.manage'],
        ['read holding "1"', { permissions: { group: 0, read: ['1'], manage: [] } }, 'permissions.read'],
        ['read holding 2^53', { permissions: { group: 0, read: [TWO_53], manage: [] } }, 'permissions.read'],
        ['manage holding -2^53', { permissions: { group: 0, read: [], manage: [-TWO_53] } }, 'permissions.manage'],
        [
          'read as an array-like object',
          { permissions: { group: 0, read: { 0: 1, length: 1 }, manage: [] } },
          'permissions.read',
        ],
        ['read null', { permissions: { group: 0, read: null, manage: [] } }, 'permissions.read'],
        [
          'an unknown field in permissions',
          { permissions: { group: 0, read: [], manage: [], admin: true } },
          'permissions.admin',
        ],
        ['professionId as the string "1"', { professionId: '1' }, 'professionId'],
        ['professionId 2^53', { professionId: TWO_53 }, 'professionId'],
        ['professionId 1.5', { professionId: 1.5 }, 'professionId'],
        ['an unknown field', { organizationId: 1 }, 'organizationId'],
        ['another unknown field', { status: 'active' }, 'status'],
      ];

      it.each(failing)('refuses %s', async (_name, overrides, path) => {
        const body = valid(overrides);
        for (const [key, value] of Object.entries(overrides)) {
          if (value === undefined) {
            delete (body as Record<string, unknown>)[key];
          }
        }
        const res = await invite(body).expect(400);
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', error: expect.any(String) });
        expect(res.body.details).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
      });

      const passing: [string, Record<string, unknown>][] = [
        ['a 250-character email', { email: `${'b'.repeat(250 - '@example.com'.length)}@example.com` }],
        ["an email with ' + _ - and dots in its local part", { email: `o'neil+tag_x-y.z@sub-domain.example.co` }],
        ['scope 1', { scope: 1 }],
        ['scope 2', { scope: 2 }],
        ['read and manage with 256 entries each', { permissions: { group: 0, read: range(256), manage: range(256) } }],
        ['the safe-integer bounds', { permissions: { group: MAX, read: [-MAX], manage: [MAX] }, professionId: -MAX }],
        ['professionId null', { professionId: null }],
        ['no professionId', {}],
      ];

      it.each(passing)('accepts %s', async (_name, overrides) => {
        const body = valid(overrides);
        // the admin holds what it grants (the grant ceiling is proven in the invariants spec)
        await t.dataSource.query(
          `UPDATE user_organizations SET permissions = $3::jsonb WHERE user_id = $1 AND organization_id = $2`,
          [admin.userId, admin.organizationId, JSON.stringify(body.permissions)],
        );
        const res = await invite(body).expect(201);
        expect(res.body.data).toMatchObject({
          scope: body.scope,
          permissions: body.permissions,
          professionId: (body as { professionId?: number | null }).professionId ?? null,
          status: 'invited',
        });
      });

      it('takes only the number form of ids in the path and query, and 400s the rest', async () => {
        for (const bad of ['1e3', '+5', '5.0', '9007199254740993', ' 1']) {
          const res = await invite(valid(), admin.headers, `${invitePath(bad as unknown as number)}`).expect(400);
          expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'path.userId' }] });
        }
        for (const bad of ['01', '1e3', 'abc', '9007199254740992']) {
          const res = await invite(valid(), admin.headers, `${invitePath()}?organizationId=${bad}`).expect(400);
          expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'query.organizationId' }] });
        }
      });

      it('refuses a body that is not JSON with 415', async () => {
        await request(t.http)
          .post(invitePath())
          .set(admin.headers)
          .set('content-type', 'text/plain')
          .send('email=x@y.co')
          .expect(415);
      });
    });

    describe('who may invite, and into which organization', () => {
      it('answers 401 without credentials', async () => {
        await request(t.http).post(invitePath()).send(valid()).expect(401);
      });

      it('refuses another userId in the path with 403', async () => {
        const res = await invite(valid(), admin.headers, invitePath(admin.userId + 1000)).expect(403);
        expect(res.body.code).toBe('NOT_THE_CALLER');
      });

      it('refuses a MEMBER, an invited ADMIN and a removed ADMIN with 403', async () => {
        for (const fixture of [
          { scope: Scope.MEMBER },
          { scope: Scope.ADMIN, status: 'invited' as const },
          { scope: Scope.ADMIN, deleted: true },
        ]) {
          const userId = await createUser(t.dataSource);
          await addMembership(t.dataSource, { userId, organizationId: admin.organizationId, ...fixture });
          const headers = authHeaders(await tokensFor(t.dataSource, t.config, userId));
          const res = await invite(valid(), headers, invitePath(userId)).expect(403);
          expect(res.body.code).toBe('NOT_ORGANIZATION_ADMIN');
        }
        expect(await countRows(t.dataSource, 'user_organizations', `status = 'invited' AND invited_by IS NULL`)).toBe(
          1,
        );
      });

      it('refuses an organizationId the caller does not administer with 403, and uses one it does', async () => {
        const other = await createOrganization(t.dataSource);
        const denied = await invite(valid(), admin.headers, `${invitePath()}?organizationId=${other}`).expect(403);
        expect(denied.body.code).toBe('NOT_ORGANIZATION_ADMIN');
        const ok = await invite(
          valid(),
          admin.headers,
          `${invitePath()}?organizationId=${admin.organizationId}`,
        ).expect(201);
        expect(ok.body.data.organizationId).toBe(admin.organizationId);
      });

      it("asks for organizationId when the caller administers several, and follows the session's organization", async () => {
        const second = await createOrganization(t.dataSource);
        const userId = await createUser(t.dataSource);
        await addMembership(t.dataSource, { userId, organizationId: admin.organizationId, scope: Scope.ADMIN });
        await addMembership(t.dataSource, { userId, organizationId: second, scope: Scope.ADMIN });
        const plain = authHeaders(await tokensFor(t.dataSource, t.config, userId));
        const res = await invite(valid(), plain, invitePath(userId)).expect(400);
        expect(res.body.code).toBe('ORGANIZATION_REQUIRED');

        const inSecond = authHeaders(await tokensFor(t.dataSource, t.config, userId, { organizationId: second }));
        const ok = await invite(valid(), inSecond, invitePath(userId)).expect(201);
        expect(ok.body.data.organizationId).toBe(second);
      });
    });

    describe('races: the database decides', () => {
      it('gives exactly one 201 for 50 concurrent identical invites, 409 for the rest, and one row', async () => {
        const body = valid({ email: uniqueEmail('race') });
        const results = await Promise.all(Array.from({ length: 50 }, () => invite(body)));
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 201)).toHaveLength(1);
        expect(statuses.filter((s) => s === 409)).toHaveLength(49);
        for (const r of results.filter((r) => r.status === 409)) {
          expect(r.body.code).toBe('INVITATION_ALREADY_PENDING');
        }
        const userId = results.find((r) => r.status === 201)!.body.data.userId as number;
        expect(await countRows(t.dataSource, 'users', 'lower(email) = lower($1)', [body.email])).toBe(1);
        expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1', [userId])).toBe(1);
        expect(
          await countRows(
            t.dataSource,
            'mail_outbox',
            'membership_id IN (SELECT id FROM user_organizations WHERE user_id = $1)',
            [userId],
          ),
        ).toBe(1);
        expect(
          await countRows(t.dataSource, 'audit_events', `action = 'invitation.created' AND target_user_id = $1`, [
            userId,
          ]),
        ).toBe(1);
      });

      it('keeps its pooled database connections when invites are refused (409 closes none)', async () => {
        // pool.query() closed the connection after any error: a burst of 409s reconnected once
        // per refusal, ran the pool dry and answered 503 (the reliability suite's race)
        const body = valid({ email: uniqueEmail('kept') });
        await invite(body).expect(201);
        const pool = (t.dataSource.driver as unknown as { master: Pool }).master;
        let removed = 0;
        const onRemove = () => {
          removed += 1;
        };
        pool.on('remove', onRemove);
        try {
          const results = await Promise.all(Array.from({ length: 20 }, () => invite(body)));
          expect(results.map((r) => r.status)).toEqual(Array(20).fill(409));
        } finally {
          pool.off('remove', onRemove);
        }
        expect(removed).toBe(0);
      });

      it('creates one user for 20 concurrent invites of a new email written in different cases', async () => {
        const email = uniqueEmail('cases');
        const variants = Array.from({ length: 20 }, (_, i) =>
          [...email].map((c, j) => ((i >> (j % 5)) & 1 ? c.toUpperCase() : c)).join(''),
        );
        const results = await Promise.all(variants.map((e) => invite(valid({ email: e }))));
        expect(results.filter((r) => r.status === 201)).toHaveLength(1);
        expect(results.filter((r) => r.status === 409)).toHaveLength(19);
        expect(await countRows(t.dataSource, 'users', 'lower(email) = lower($1)', [email])).toBe(1);
      });
    });
  });

  describe('POST /users-organizations/v1/users/invite (inviteUser)', () => {
    const inviteUser = (body: unknown, headers = admin.headers) =>
      request(t.http)
        .post('/users-organizations/v1/users/invite')
        .set(headers)
        .send(body as object);

    it("invites a member by default, with the seed's response shape and string ids", async () => {
      const email = uniqueEmail('doit');
      const res = await inviteUser({ email }).expect(201);
      expect(res.body).toEqual({
        message: expect.stringContaining(email),
        user: {
          id: expect.stringMatching(/^[1-9][0-9]*$/),
          email,
          roleId: '2',
          organizationId: String(admin.organizationId),
          status: 'invited',
        },
      });
      const [row] = await t.dataSource.query(
        `SELECT scope, permissions, profession_id, status, invited_by FROM user_organizations WHERE user_id = $1`,
        [Number(res.body.user.id)],
      );
      expect(row).toEqual({
        scope: 2,
        permissions: { group: 0, read: [], manage: [] },
        profession_id: null,
        status: 'invited',
        invited_by: admin.userId,
      });
    });

    it.each([
      ['1', 1, '1'],
      ['admin', 1, '1'],
      ['2', 2, '2'],
      ['member', 2, '2'],
    ])('maps roleId %s to scope %i', async (roleId, scope, echoed) => {
      const res = await inviteUser({ email: uniqueEmail('role'), roleId }).expect(201);
      expect(res.body.user.roleId).toBe(echoed);
      const [row] = await t.dataSource.query(`SELECT scope FROM user_organizations WHERE user_id = $1`, [
        Number(res.body.user.id),
      ]);
      expect(row.scope).toBe(scope);
    });

    it('takes organizationId as a decimal string', async () => {
      const res = await inviteUser({ email: uniqueEmail('org'), organizationId: String(admin.organizationId) }).expect(
        201,
      );
      expect(res.body.user.organizationId).toBe(String(admin.organizationId));
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['an unknown roleId', { roleId: 'owner' }, 'roleId'],
      ['roleId as a number', { roleId: 1 }, 'roleId'],
      ['roleId null', { roleId: null }, 'roleId'],
      ['roleId in capitals', { roleId: 'ADMIN' }, 'roleId'],
      ['organizationId as a number', { organizationId: 1 }, 'organizationId'],
      ['organizationId null', { organizationId: null }, 'organizationId'],
      ['organizationId 1e3', { organizationId: '1e3' }, 'organizationId'],
      ['organizationId beyond 2^53', { organizationId: '9007199254740993' }, 'organizationId'],
      ['no email', { email: undefined }, 'email'],
      ['a null email', { email: null }, 'email'],
      ['a malformed email', { email: 'not-an-email' }, 'email'],
      ['a 251-character email', { email: `${'c'.repeat(251 - '@example.com'.length)}@example.com` }, 'email'],
      ['an unknown field', { scope: 1 }, 'scope'],
    ])('refuses %s with 400', async (_name, overrides, path) => {
      const body: Record<string, unknown> = { email: uniqueEmail('bad'), ...overrides };
      if ('email' in overrides && overrides.email === undefined) {
        delete body.email;
      }
      const res = await inviteUser(body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
    });

    it('applies the same rules as route 1: 403 outside the admin’s organizations, 409 on duplicates', async () => {
      const other = await createOrganization(t.dataSource);
      const denied = await inviteUser({ email: uniqueEmail('x'), organizationId: String(other) }).expect(403);
      expect(denied.body.code).toBe('NOT_ORGANIZATION_ADMIN');

      const email = uniqueEmail('dup');
      await inviteUser({ email }).expect(201);
      const dup = await inviteUser({ email: email.toUpperCase() }).expect(409);
      expect(dup.body.code).toBe('INVITATION_ALREADY_PENDING');
      const viaRoute1 = await invite(valid({ email })).expect(409);
      expect(viaRoute1.body.code).toBe('INVITATION_ALREADY_PENDING');
    });

    it('answers 403 when the caller administers no organization', async () => {
      const userId = await createUser(t.dataSource);
      const headers = authHeaders(await tokensFor(t.dataSource, t.config, userId));
      const res = await inviteUser({ email: uniqueEmail('y') }, headers).expect(403);
      expect(res.body.code).toBe('NOT_ORGANIZATION_ADMIN');
    });
  });

  describe('OpenAPI', () => {
    it('documents every invitation route with its operationId, examples and error responses', async () => {
      const doc = (await request(t.http).get('/openapi.json').expect(200)).body;
      const op = (path: string, method: string) => doc.paths[path]?.[method];
      const expected: [string, string, string, string[]][] = [
        [
          '/users-organizations/v1/rs/na/{userId}/invite',
          'post',
          'createInviteUserOrganization',
          ['201', '400', '401', '403', '409', '415'],
        ],
        ['/users-organizations/v1/users/invite', 'post', 'inviteUser', ['201', '400', '401', '403', '409', '415']],
        [
          '/users-organizations/v1/rs/na/{userId}/invitations',
          'get',
          'getInvitationsUserOrganization',
          ['200', '400', '401', '403'],
        ],
        [
          '/users-organizations/v1/rs/na/{userId}/invitations/{invitationId}',
          'get',
          'getInvitationUserOrganization',
          ['200', '400', '401', '403', '404'],
        ],
        [
          '/users-organizations/v1/rs/na/{userId}/invitations/{invitationId}',
          'delete',
          'deleteInviteUserOrganization',
          ['200', '400', '401', '403', '404', '409', '410'],
        ],
        [
          '/users-organizations/v1/rs/na/{userId}/invitations/{invitationId}/resend',
          'post',
          'resendInviteUserOrganization',
          ['200', '400', '401', '403', '404', '409', '410', '429'],
        ],
        [
          '/users-organizations/v1/rs/na/{userId}/invitations/{invitationId}/accept',
          'post',
          'acceptInviteUserOrganization',
          ['200', '400', '401', '403', '404', '410'],
        ],
        [
          '/users-organizations/v1/rs/na/{userId}/invitations/{invitationId}/decline',
          'post',
          'declineInviteUserOrganization',
          ['200', '400', '401', '403', '404', '409', '410'],
        ],
        [
          '/users-organizations/v1/invitations/accept',
          'post',
          'acceptInviteUserOrganizationByToken',
          ['200', '400', '401', '403', '404', '410', '415'],
        ],
        [
          '/users-organizations/v1/invitations/decline',
          'post',
          'declineInviteUserOrganizationByToken',
          ['200', '400', '401', '403', '404', '409', '410', '415'],
        ],
      ];
      for (const [path, method, operationId, statuses] of expected) {
        const operation = op(path, method);
        expect({ path, method, operationId: operation?.operationId }).toEqual({ path, method, operationId });
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(statuses));
        expect(operation.summary).toEqual(expect.any(String));
        expect(operation.description).toEqual(expect.any(String));
        const schemes = (operation.security as Record<string, unknown>[]).flatMap((s) => Object.keys(s));
        expect(schemes).toEqual(expect.arrayContaining(['bearer', 'session']));
        for (const status of statuses.filter((s) => s >= '400' && s !== '401')) {
          expect(operation.responses[status].content['application/json'].examples).toBeDefined();
        }
      }
      const seed = op('/users-organizations/v1/rs/na/{userId}/invite', 'post');
      expect(seed.requestBody.content['application/json'].examples.seed.value).toEqual(SEED_BODY);
      const schema = doc.components.schemas.CreateInviteUserOrganizationDto;
      // scope + permissions, or a roleKey in their place: one style or the other, never both
      expect(schema.required).toEqual(['email']);
      expect(schema.allOf).toEqual([
        { not: { required: ['roleKey'], anyOf: [{ required: ['scope'] }, { required: ['permissions'] }] } },
        { anyOf: [{ required: ['roleKey'] }, { required: ['scope', 'permissions'] }] },
      ]);
      expect(schema.properties.email).toMatchObject({
        maxLength: 250,
        pattern: String.raw`^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`,
      });
      expect(schema.properties.scope.enum).toEqual([1, 2]);
    });
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
