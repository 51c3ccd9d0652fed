import request from 'supertest';
import { sessionHash } from '../src/audit/session-hash.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { addMembership, authHeaders, createOrganization, createUser, tokensFor } from './utils/fixtures.js';

const AUDIT = '/users-organizations/v1/bo/audit-events';
const BO = '/users-organizations/v1/bo';

interface AuditEventBody {
  id: number;
  occurredAt: string;
  action: string;
  actorUserId: number | null;
  actorSessionHash: string | null;
  organizationId: number | null;
  targetUserId: number | null;
  membershipId: number | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

describe('audit trail (listBoAuditEvents)', () => {
  let t: TestApp;
  let bo: Record<string, string>;
  let boUserId: number;
  let boSessionId: string;

  beforeAll(async () => {
    t = await createTestApp();
    boUserId = await createUser(t.dataSource);
    const tokens = await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true });
    boSessionId = tokens.sessionId;
    bo = authHeaders(tokens);
  });
  afterAll(async () => {
    await t.close();
  });

  const list = async (query: Record<string, string> = {}) =>
    (await request(t.http).get(AUDIT).query(query).set(bo).expect(200)).body as {
      data: AuditEventBody[];
      nextCursor: string | null;
    };

  it('shows every change of a membership, newest first, with who, what, before/after and request id', async () => {
    const organizationId = await createOrganization(t.dataSource);
    const adminId = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: adminId, organizationId, scope: 1 });
    const adminTokens = await tokensFor(t.dataSource, t.config, adminId, { organizationId });
    const admin = authHeaders(adminTokens);
    const userId = await createUser(t.dataSource);
    const permissions = { group: 0, read: [1], manage: [] };

    await request(t.http)
      .post(`${BO}/users/register/${userId}/organizations/${organizationId}`)
      .set(bo)
      .set('x-request-id', 'audit-1-register')
      .send({ scope: 2, permissions })
      .expect(201);
    await request(t.http)
      .patch(`/users-organizations/v1/rs/na/${adminId}/members/${userId}`)
      .set(admin)
      .set('x-request-id', 'audit-1-update')
      .send({ permissions: { group: 0, read: [1, 2, 3], manage: [1] } })
      .expect(200);
    await request(t.http)
      .delete(`/users-organizations/v1/rs/na/${adminId}/members/${userId}`)
      .set(admin)
      .set('x-request-id', 'audit-1-remove')
      .expect(200);
    await request(t.http)
      .post(`${BO}/users/${userId}/organizations/${organizationId}/restore`)
      .set(bo)
      .set('x-request-id', 'audit-1-restore')
      .expect(200);
    await request(t.http)
      .patch(`${BO}/users/${userId}/organizations/${organizationId}`)
      .set(bo)
      .set('x-request-id', 'audit-1-bo-update')
      .send({ scope: 1 })
      .expect(200);
    await request(t.http)
      .patch(`${BO}/users/${userId}/organizations/${organizationId}`)
      .set(bo)
      .send({ scope: 2 })
      .expect(200);
    const memberTokens = await tokensFor(t.dataSource, t.config, userId);
    await request(t.http)
      .delete(`/users-organizations/v1/rs/na/${userId}/organizations/${organizationId}/membership`)
      .set(authHeaders(memberTokens))
      .set('x-request-id', 'audit-1-leave')
      .expect(200);

    const { data } = await list({ userId: String(userId) });
    expect(data.map((e) => e.action)).toEqual([
      'membership.left',
      'membership.updated',
      'membership.updated',
      'membership.restored',
      'membership.removed',
      'membership.updated',
      'membership.registered',
    ]);
    const byRequest = (id: string) => data.find((e) => e.requestId === id)!;
    const membershipId = byRequest('audit-1-register').membershipId;
    expect(membershipId).toEqual(expect.any(Number));
    expect(data.every((e) => e.membershipId === membershipId && e.organizationId === organizationId)).toBe(true);
    expect(byRequest('audit-1-register')).toMatchObject({
      actorUserId: boUserId,
      actorSessionHash: sessionHash(boSessionId),
      targetUserId: userId,
      before: null,
      after: { scope: 2, permissions, status: 'active', deletedAt: null },
      occurredAt: expect.stringMatching(/Z$/),
    });
    expect(byRequest('audit-1-update')).toMatchObject({
      actorUserId: adminId,
      actorSessionHash: sessionHash(adminTokens.sessionId),
      before: { scope: 2, permissions },
      after: { scope: 2, permissions: { group: 0, read: [1, 2, 3], manage: [1] } },
    });
    expect(byRequest('audit-1-remove')).toMatchObject({
      actorUserId: adminId,
      before: { deletedAt: null },
      after: { deletedAt: expect.any(String), endReason: 'removed' },
    });
    expect(byRequest('audit-1-restore')).toMatchObject({
      actorUserId: boUserId,
      before: { deletedAt: expect.any(String), endReason: 'removed' },
      after: { deletedAt: null, permissions: { group: 0, read: [1, 2, 3], manage: [1] } },
    });
    expect(byRequest('audit-1-bo-update')).toMatchObject({ before: { scope: 2 }, after: { scope: 1 } });
    expect(byRequest('audit-1-leave')).toMatchObject({
      actorUserId: userId,
      actorSessionHash: sessionHash(memberTokens.sessionId),
      after: { endReason: 'left', deletedAt: expect.any(String) },
    });
  });

  it('records nothing for a change that failed', async () => {
    const organizationId = await createOrganization(t.dataSource);
    const adminId = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: adminId, organizationId, scope: 1 });
    await request(t.http).delete(`${BO}/users/${adminId}/organizations/${organizationId}`).set(bo).expect(409);
    await request(t.http)
      .patch(`${BO}/users/${adminId}/organizations/${organizationId}`)
      .set(bo)
      .set('if-match', '"7"')
      .send({ professionId: 1 })
      .expect(412);
    expect((await list({ organizationId: String(organizationId) })).data).toEqual([]);
  });

  describe('filters and pages', () => {
    let organizationId: number;
    let otherOrganizationId: number;
    let actorId: number;
    let users: number[];

    beforeAll(async () => {
      organizationId = await createOrganization(t.dataSource);
      otherOrganizationId = await createOrganization(t.dataSource);
      actorId = await createUser(t.dataSource);
      const actorHeaders = authHeaders(await tokensFor(t.dataSource, t.config, actorId, { backoffice: true }));
      users = [];
      for (let i = 0; i < 5; i++) {
        const userId = await createUser(t.dataSource);
        users.push(userId);
        await request(t.http)
          .post(`${BO}/users/register/${userId}/organizations/${organizationId}`)
          .set(actorHeaders)
          .send({ scope: 2, permissions: { group: 0, read: [], manage: [] } })
          .expect(201);
      }
      await request(t.http)
        .post(`${BO}/users/register/${users[0]}/organizations/${otherOrganizationId}`)
        .set(bo)
        .send({ scope: 2, permissions: { group: 0, read: [], manage: [] } })
        .expect(201);
      await request(t.http)
        .patch(`${BO}/users/${users[1]}/organizations/${organizationId}`)
        .set(actorHeaders)
        .send({ professionId: 3 })
        .expect(200);
    });

    it('filters by organization, target user, actor and action', async () => {
      expect((await list({ organizationId: String(organizationId) })).data).toHaveLength(6);
      expect((await list({ organizationId: String(otherOrganizationId) })).data).toHaveLength(1);
      expect((await list({ userId: String(users[0]) })).data.map((e) => e.organizationId)).toEqual([
        otherOrganizationId,
        organizationId,
      ]);
      expect((await list({ actorUserId: String(actorId) })).data).toHaveLength(6);
      const updates = await list({ actorUserId: String(actorId), action: 'membership.updated' });
      expect(updates.data).toEqual([
        expect.objectContaining({ targetUserId: users[1], after: expect.objectContaining({ professionId: 3 }) }),
      ]);
      expect(
        (await list({ organizationId: String(organizationId), userId: String(users[2]) })).data.map((e) => e.action),
      ).toEqual(['membership.registered']);
    });

    it('filters by time range: from inclusive, to exclusive', async () => {
      const { data } = await list({ organizationId: String(organizationId) });
      const times = data.map((e) => e.occurredAt);
      expect((await list({ organizationId: String(organizationId), from: '2000-01-01T00:00:00Z' })).data).toHaveLength(
        6,
      );
      expect((await list({ organizationId: String(organizationId), to: '2000-01-01T00:00:00Z' })).data).toHaveLength(0);
      const newest = times[0];
      expect(
        (await list({ organizationId: String(organizationId), from: newest })).data.every(
          (e) => e.occurredAt >= newest,
        ),
      ).toBe(true);
      expect(
        (await list({ organizationId: String(organizationId), to: newest })).data.every((e) => e.occurredAt < newest),
      ).toBe(true);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await list({ organizationId: String(organizationId), from: future })).data).toHaveLength(0);
      expect(
        (await list({ organizationId: String(organizationId), from: '2000-01-01T01:00:00+01:00', to: future })).data,
      ).toHaveLength(6);
    });

    it('pages newest first with a cursor', async () => {
      const all = (await list({ organizationId: String(organizationId) })).data.map((e) => e.id);
      expect([...all].sort((a, b) => b - a)).toEqual(all);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await list({ organizationId: String(organizationId), limit: '4', ...(cursor ? { cursor } : {}) });
        seen.push(...page.data.map((e) => e.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(2);
      expect(seen).toEqual(all);
    });
  });

  it.each([
    ['organizationId', '1.5'],
    ['userId', 'abc'],
    ['actorUserId', '9007199254740993'],
    ['action', 'Membership Updated'],
    ['action', 'x'.repeat(65)],
    ['from', 'yesterday'],
    ['from', '2024-13-01T00:00:00Z'],
    ['from', '2024-01-01'],
    ['to', '2024-01-01T00:00:00'],
    ['limit', '0'],
    ['limit', '201'],
    ['cursor', '!!!'],
    ['unknown', '1'],
  ])('answers 400 for %s=%j', async (name, value) => {
    const res = await request(t.http)
      .get(AUDIT)
      .query({ [name]: value })
      .set(bo)
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers 400 when from is after to', async () => {
    const res = await request(t.http)
      .get(AUDIT)
      .query({ from: '2024-02-01T00:00:00Z', to: '2024-01-01T00:00:00Z' })
      .set(bo)
      .expect(400);
    expect(res.body.details).toEqual([{ path: 'query.from', message: 'must not be after to' }]);
  });

  it('answers 401 without credentials and 403 without the backoffice role', async () => {
    await request(t.http).get(AUDIT).expect(401);
    const userId = await createUser(t.dataSource);
    const res = await request(t.http)
      .get(AUDIT)
      .set(authHeaders(await tokensFor(t.dataSource, t.config, userId)))
      .expect(403);
    expect(res.body.code).toBe('BACKOFFICE_ROLE_REQUIRED');
  });
});
