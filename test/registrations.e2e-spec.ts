import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { addMembership, authHeaders, countRows, createOrganization, createUser, tokensFor } from './utils/fixtures.js';

const registerPath = (userId: number | string, organizationId: number | string) =>
  `/users-organizations/v1/bo/users/register/${userId}/organizations/${organizationId}`;
const restorePath = (userId: number, organizationId: number) =>
  `/users-organizations/v1/bo/users/${userId}/organizations/${organizationId}/restore`;

const SEED_BODY = { scope: 1, permissions: { group: 0, manage: [1, 2], read: [1, 2] } };

describe('registrations (createRegisterUserOrganization, restore)', () => {
  let t: TestApp;
  let bo: Record<string, string>;
  let boUserId: number;

  beforeAll(async () => {
    t = await createTestApp();
    boUserId = await createUser(t.dataSource);
    bo = authHeaders(await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true }));
  });
  afterAll(async () => {
    await t.close();
  });

  const register = (userId: number | string, organizationId: number | string, body: unknown = SEED_BODY) =>
    request(t.http)
      .post(registerPath(userId, organizationId))
      .set(bo)
      .send(body as object);

  describe('the seed example', () => {
    it('registers an existing user as an active member and answers 201 with the seed data shape', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      const res = await register(userId, organizationId).expect(201);
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
        userId,
        organizationId,
        scope: 1,
        permissions: { group: 0, read: [1, 2], manage: [1, 2] },
        professionId: null,
        status: 'active',
        deletedAt: null,
        updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      });
      expect(res.headers.etag).toBe('"1"');
      const rows: { status: string; scope: number; invited_by: number | null; deleted_at: Date | null }[] =
        await t.dataSource.query(
          `SELECT status, scope, invited_by, deleted_at FROM user_organizations WHERE user_id = $1 AND organization_id = $2`,
          [userId, organizationId],
        );
      expect(rows).toEqual([{ status: 'active', scope: 1, invited_by: null, deleted_at: null }]);
    });

    it('records the registration in the audit trail, in the same transaction', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      await register(userId, organizationId, { scope: 2, permissions: { group: 3, read: [4], manage: [] } })
        .set('x-request-id', 'reg-audit-1')
        .expect(201);
      const events: Record<string, unknown>[] = await t.dataSource.query(
        `SELECT action, actor_user_id, actor_session_hash, organization_id, target_user_id, membership_id,
                before, after, request_id
           FROM audit_events WHERE request_id = 'reg-audit-1'`,
      );
      expect(events).toEqual([
        {
          action: 'membership.registered',
          actor_user_id: boUserId,
          actor_session_hash: expect.stringMatching(/^[0-9a-f]{32}$/),
          organization_id: organizationId,
          target_user_id: userId,
          membership_id: expect.any(Number),
          before: null,
          after: {
            scope: 2,
            permissions: { group: 3, read: [4], manage: [] },
            roleKey: null,
            professionId: null,
            status: 'active',
            deletedAt: null,
          },
          request_id: 'reg-audit-1',
        },
      ]);
    });
  });

  describe('who may call it', () => {
    it('answers 401 without credentials', async () => {
      await request(t.http).post(registerPath(1, 1)).send(SEED_BODY).expect(401);
    });

    it('answers 403 to a caller without the backoffice role, even an admin of the organization', async () => {
      const organizationId = await createOrganization(t.dataSource);
      const adminId = await createUser(t.dataSource);
      await addMembership(t.dataSource, { userId: adminId, organizationId, scope: 1 });
      const userId = await createUser(t.dataSource);
      const res = await request(t.http)
        .post(registerPath(userId, organizationId))
        .set(authHeaders(await tokensFor(t.dataSource, t.config, adminId, { organizationId })))
        .send(SEED_BODY)
        .expect(403);
      expect(res.body.code).toBe('BACKOFFICE_ROLE_REQUIRED');
      expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1', [userId])).toBe(0);
    });
  });

  describe('404 and 400', () => {
    it('answers 404 for an unknown or soft-deleted user', async () => {
      const organizationId = await createOrganization(t.dataSource);
      const unknown = await register(987654321, organizationId).expect(404);
      expect(unknown.body).toMatchObject({ code: 'USER_NOT_FOUND', error: expect.any(String) });
      const deletedUser = await createUser(t.dataSource);
      await t.dataSource.query(`UPDATE users SET deleted_at = now() WHERE id = $1`, [deletedUser]);
      expect((await register(deletedUser, organizationId).expect(404)).body.code).toBe('USER_NOT_FOUND');
      expect(await countRows(t.dataSource, 'user_organizations', 'organization_id = $1', [organizationId])).toBe(0);
    });

    it('answers 404 for an unknown or soft-deleted organization', async () => {
      const userId = await createUser(t.dataSource);
      expect((await register(userId, 987654321).expect(404)).body.code).toBe('ORGANIZATION_NOT_FOUND');
      const deletedOrg = await createOrganization(t.dataSource);
      await t.dataSource.query(`UPDATE organizations SET deleted_at = now() WHERE id = $1`, [deletedOrg]);
      expect((await register(userId, deletedOrg).expect(404)).body.code).toBe('ORGANIZATION_NOT_FOUND');
    });

    it.each(['abc', '1e3', '+5', '5.0', '0x10', '9007199254740992', '-9007199254740993', ' 7'])(
      'answers 400 for the path id %j',
      async (bad) => {
        const res = await register(encodeURIComponent(bad), 1).expect(400);
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'path.userId' }] });
        await register(1, encodeURIComponent(bad)).expect(400);
      },
    );

    it('accepts ids at the edge of the safe range (and answers 404 for them)', async () => {
      await register('9007199254740991', '-9007199254740991').expect(404);
    });

    it.each([
      ['scope as a string', { ...SEED_BODY, scope: '1' }, 'scope'],
      ['scope 3', { ...SEED_BODY, scope: 3 }, 'scope'],
      ['scope true', { ...SEED_BODY, scope: true }, 'scope'],
      ['no scope', { permissions: SEED_BODY.permissions }, 'scope'],
      ['no permissions', { scope: 1 }, 'permissions'],
      ['permissions as an array', { scope: 1, permissions: [] }, 'permissions'],
      ['permissions null', { scope: 1, permissions: null }, 'permissions'],
      ['a string id', { scope: 1, permissions: { group: 0, read: ['1'], manage: [] } }, 'permissions.read'],
      ['an unsafe id', { scope: 1, permissions: { group: 0, read: [2 ** 53 + 2], manage: [] } }, 'permissions.read'],
      ['no group', { scope: 1, permissions: { read: [], manage: [] } }, 'permissions.group'],
      ['an unknown field', { ...SEED_BODY, status: 'active' }, 'status'],
      [
        'an unknown nested field',
        { scope: 1, permissions: { ...SEED_BODY.permissions, admin: true } },
        'permissions.admin',
      ],
      ['professionId (not part of this body)', { ...SEED_BODY, professionId: 1 }, 'professionId'],
    ])('answers 400 for %s', async (_name, body, path) => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      const res = await register(userId, organizationId, body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
      expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1', [userId])).toBe(0);
    });

    it('answers 415 for a body that is not JSON', async () => {
      await request(t.http)
        .post(registerPath(1, 1))
        .set(bo)
        .set('content-type', 'text/plain')
        .send('scope=1')
        .expect(415);
    });
  });

  describe('409 and soft-deleted history', () => {
    it.each(['active', 'invited'] as const)('answers 409 when a live %s membership exists', async (status) => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      await addMembership(t.dataSource, { userId, organizationId, status });
      const res = await register(userId, organizationId).expect(409);
      expect(res.body).toMatchObject({ code: 'MEMBERSHIP_ALREADY_EXISTS', requestId: expect.any(String) });
      expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1', [userId])).toBe(1);
      expect(await countRows(t.dataSource, 'audit_events', 'target_user_id = $1', [userId])).toBe(0);
    });

    it('registers again beside a soft-deleted membership: two rows, one live', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      await register(userId, organizationId, { scope: 2, permissions: { group: 0, read: [], manage: [] } }).expect(201);
      await request(t.http)
        .delete(`/users-organizations/v1/bo/users/${userId}/organizations/${organizationId}`)
        .set(bo)
        .expect(200);
      const again = await register(userId, organizationId).expect(201);
      expect(again.body.data).toMatchObject({ scope: 1, status: 'active', deletedAt: null });
      const rows: { deleted_at: Date | null; end_reason: string | null }[] = await t.dataSource.query(
        `SELECT deleted_at, end_reason FROM user_organizations WHERE user_id = $1 AND organization_id = $2 ORDER BY id`,
        [userId, organizationId],
      );
      expect(rows).toHaveLength(2);
      expect(rows[0].deleted_at).not.toBeNull();
      expect(rows[0].end_reason).toBe('removed');
      expect(rows[1]).toEqual({ deleted_at: null, end_reason: null });
    });

    it('makes one row out of 50 concurrent identical registrations: one 201, 49 409', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      const responses = await Promise.all(Array.from({ length: 50 }, () => register(userId, organizationId)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      expect(
        await countRows(t.dataSource, 'user_organizations', 'user_id = $1 AND organization_id = $2', [
          userId,
          organizationId,
        ]),
      ).toBe(1);
      expect(
        await countRows(t.dataSource, 'audit_events', `target_user_id = $1 AND action = 'membership.registered'`, [
          userId,
        ]),
      ).toBe(1);
    });
  });

  describe('restore (restoreBoUserOrganization)', () => {
    async function removedMembership(scope = 2, permissions = { group: 1, read: [5, 6], manage: [5] }) {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      await register(userId, organizationId, { scope, permissions }).expect(201);
      await request(t.http)
        .delete(`/users-organizations/v1/bo/users/${userId}/organizations/${organizationId}`)
        .set(bo)
        .expect(200);
      return { userId, organizationId };
    }

    it('restores the removed membership with its previous scope and permissions', async () => {
      const { userId, organizationId } = await removedMembership();
      const res = await request(t.http).post(restorePath(userId, organizationId)).set(bo).expect(200);
      expect(res.body.data).toMatchObject({
        userId,
        organizationId,
        scope: 2,
        permissions: { group: 1, read: [5, 6], manage: [5] },
        status: 'active',
        deletedAt: null,
        endReason: null,
        endedBy: null,
        version: 3,
      });
      expect(res.headers.etag).toBe('"3"');
      expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1', [userId])).toBe(1);
      const [event]: { before: Record<string, unknown>; after: Record<string, unknown> }[] = await t.dataSource.query(
        `SELECT before, after FROM audit_events WHERE target_user_id = $1 AND action = 'membership.restored'`,
        [userId],
      );
      expect(event.before).toMatchObject({ deletedAt: expect.any(String), endReason: 'removed' });
      expect(event.after).toMatchObject({ deletedAt: null, scope: 2 });
    });

    it('restores with a new scope and permissions when given', async () => {
      const { userId, organizationId } = await removedMembership();
      const res = await request(t.http)
        .post(restorePath(userId, organizationId))
        .set(bo)
        .send({ scope: 1, permissions: { group: 0, read: [1], manage: [] } })
        .expect(200);
      expect(res.body.data).toMatchObject({ scope: 1, permissions: { group: 0, read: [1], manage: [] } });
    });

    it('answers 409 when a live membership exists, and the named row stays removed', async () => {
      const { userId, organizationId } = await removedMembership();
      const [{ id: removedId }]: { id: number }[] = await t.dataSource.query(
        `SELECT id FROM user_organizations WHERE user_id = $1`,
        [userId],
      );
      await register(userId, organizationId).expect(201);
      const res = await request(t.http).post(restorePath(userId, organizationId)).set(bo).expect(409);
      expect(res.body.code).toBe('MEMBERSHIP_ALREADY_EXISTS');
      await request(t.http)
        .post(restorePath(userId, organizationId))
        .set(bo)
        .send({ membershipId: removedId })
        .expect(409);
      expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1 AND deleted_at IS NULL', [userId])).toBe(
        1,
      );
    });

    it('lets only one of several concurrent restores win', async () => {
      const { userId, organizationId } = await removedMembership();
      // a second removed row, so two different rows race for the one live slot
      await register(userId, organizationId, { scope: 2, permissions: { group: 0, read: [], manage: [] } }).expect(201);
      await request(t.http)
        .delete(`/users-organizations/v1/bo/users/${userId}/organizations/${organizationId}`)
        .set(bo)
        .expect(200);
      const ids: { id: number }[] = await t.dataSource.query(
        `SELECT id FROM user_organizations WHERE user_id = $1 ORDER BY id`,
        [userId],
      );
      const responses = await Promise.all(
        [...ids, ...ids].map(({ id }) =>
          request(t.http).post(restorePath(userId, organizationId)).set(bo).send({ membershipId: id }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
      expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1 AND deleted_at IS NULL', [userId])).toBe(
        1,
      );
    });

    it('answers 404 when there is nothing to restore, or the user or organization is gone', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      expect((await request(t.http).post(restorePath(userId, organizationId)).set(bo).expect(404)).body.code).toBe(
        'MEMBERSHIP_NOT_FOUND',
      );
      const removed = await removedMembership();
      await request(t.http)
        .post(restorePath(removed.userId, removed.organizationId))
        .set(bo)
        .send({ membershipId: 987654321 })
        .expect(404);
      await t.dataSource.query(`UPDATE organizations SET deleted_at = now() WHERE id = $1`, [removed.organizationId]);
      expect(
        (await request(t.http).post(restorePath(removed.userId, removed.organizationId)).set(bo).expect(404)).body.code,
      ).toBe('ORGANIZATION_NOT_FOUND');
    });

    it('does not restore an ended invitation', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      await addMembership(t.dataSource, { userId, organizationId, status: 'invited', deleted: true });
      const res = await request(t.http).post(restorePath(userId, organizationId)).set(bo).expect(409);
      expect(res.body.code).toBe('MEMBERSHIP_NOT_RESTORABLE');
    });

    it('answers 403 without the backoffice role and 400 for a bad body', async () => {
      const { userId, organizationId } = await removedMembership();
      await request(t.http)
        .post(restorePath(userId, organizationId))
        .set(authHeaders(await tokensFor(t.dataSource, t.config, userId)))
        .expect(403);
      await request(t.http).post(restorePath(userId, organizationId)).set(bo).send({ scope: '2' }).expect(400);
      await request(t.http).post(restorePath(userId, organizationId)).set(bo).send({ extra: 1 }).expect(400);
    });
  });

  describe('OpenAPI', () => {
    it('documents every route of this issue with its operationId, examples and error responses', async () => {
      const doc = (await request(t.http).get('/openapi.json').expect(200)).body as {
        paths: Record<
          string,
          Record<
            string,
            { operationId: string; responses: Record<string, unknown>; summary?: string; security?: unknown[] }
          >
        >;
      };
      const expected: [string, string, string, string[]][] = [
        [
          'post',
          '/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}',
          'createRegisterUserOrganization',
          ['201', '400', '401', '403', '404', '409'],
        ],
        [
          'get',
          '/users-organizations/v1/bo/organizations/{organizationId}/members',
          'listBoOrganizationMembers',
          ['200', '400', '401', '403', '404'],
        ],
        [
          'get',
          '/users-organizations/v1/bo/users/{userId}/organizations',
          'listBoUserOrganizations',
          ['200', '400', '401', '403', '404'],
        ],
        [
          'get',
          '/users-organizations/v1/bo/users/{userId}/organizations/{organizationId}',
          'getBoUserOrganization',
          ['200', '401', '403', '404'],
        ],
        [
          'patch',
          '/users-organizations/v1/bo/users/{userId}/organizations/{organizationId}',
          'updateBoUserOrganization',
          ['200', '400', '401', '403', '404', '409', '412'],
        ],
        [
          'delete',
          '/users-organizations/v1/bo/users/{userId}/organizations/{organizationId}',
          'deleteBoUserOrganization',
          ['200', '401', '403', '404', '409', '412'],
        ],
        [
          'post',
          '/users-organizations/v1/bo/users/{userId}/organizations/{organizationId}/restore',
          'restoreBoUserOrganization',
          ['200', '400', '401', '403', '404', '409'],
        ],
        ['get', '/users-organizations/v1/bo/audit-events', 'listBoAuditEvents', ['200', '400', '401', '403']],
        [
          'get',
          '/users-organizations/v1/rs/na/{userId}/members',
          'listMembersUserOrganization',
          ['200', '400', '401', '403'],
        ],
        [
          'get',
          '/users-organizations/v1/rs/na/{userId}/members/{memberUserId}',
          'getMemberUserOrganization',
          ['200', '401', '403', '404'],
        ],
        [
          'patch',
          '/users-organizations/v1/rs/na/{userId}/members/{memberUserId}',
          'updateMemberUserOrganization',
          ['200', '400', '401', '403', '404', '409', '412'],
        ],
        [
          'delete',
          '/users-organizations/v1/rs/na/{userId}/members/{memberUserId}',
          'deleteMemberUserOrganization',
          ['200', '401', '403', '404', '409', '412'],
        ],
        [
          'delete',
          '/users-organizations/v1/rs/na/{userId}/organizations/{organizationId}/membership',
          'leaveUserOrganization',
          ['200', '401', '403', '404', '409', '412'],
        ],
      ];
      for (const [method, path, operationId, statuses] of expected) {
        const op = doc.paths[path]?.[method];
        expect({ path, method, operationId: op?.operationId }).toEqual({ path, method, operationId });
        expect(op.summary).toEqual(expect.any(String));
        expect(op.security).toEqual([{ bearer: [], session: [] }]);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(statuses));
      }
      const register = doc.paths[expected[0][1]].post as unknown as {
        requestBody: { content: { 'application/json': { examples: Record<string, unknown> } } };
      };
      expect(Object.keys(register.requestBody.content['application/json'].examples).length).toBeGreaterThan(0);
    });
  });
});
