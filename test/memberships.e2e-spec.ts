import request from 'supertest';
import type { Permissions } from '../src/memberships/membership.constants.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import {
  addMembership,
  authHeaders,
  countRows,
  createOrganization,
  createUser,
  tokensFor,
  uniqueEmail,
} from './utils/fixtures.js';

const RS = '/users-organizations/v1/rs/na';
const BO = '/users-organizations/v1/bo';

interface Member {
  userId: number;
  membershipId: number;
  headers: Record<string, string>;
}

describe('membership management', () => {
  let t: TestApp;
  let bo: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    const boUserId = await createUser(t.dataSource);
    bo = authHeaders(await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true }));
  });
  afterAll(async () => {
    await t.close();
  });

  async function member(
    organizationId: number,
    options: {
      scope?: 1 | 2;
      status?: 'active' | 'invited';
      permissions?: Permissions;
      email?: string;
      backoffice?: boolean;
    } = {},
  ): Promise<Member> {
    const userId = await createUser(t.dataSource, options.email ?? uniqueEmail());
    const membershipId = await addMembership(t.dataSource, {
      userId,
      organizationId,
      scope: options.scope ?? 2,
      status: options.status ?? 'active',
      permissions: options.permissions,
    });
    const tokens = await tokensFor(t.dataSource, t.config, userId, {
      organizationId,
      backoffice: options.backoffice,
    });
    return { userId, membershipId, headers: authHeaders(tokens) };
  }

  async function organization(admins = 1) {
    const organizationId = await createOrganization(t.dataSource);
    const list: Member[] = [];
    for (let i = 0; i < admins; i++) {
      list.push(await member(organizationId, { scope: 1 }));
    }
    return { organizationId, admins: list, admin: list[0] };
  }

  const membersPath = (caller: Member, memberUserId?: number) =>
    `${RS}/${caller.userId}/members${memberUserId === undefined ? '' : `/${memberUserId}`}`;
  const boPath = (userId: number, organizationId: number) => `${BO}/users/${userId}/organizations/${organizationId}`;

  const liveRow = async (userId: number, organizationId: number) => {
    const rows: Record<string, unknown>[] = await t.dataSource.query(
      `SELECT scope, permissions, status, version FROM user_organizations
        WHERE user_id = $1 AND organization_id = $2 AND deleted_at IS NULL`,
      [userId, organizationId],
    );
    return rows[0];
  };

  const activeAdmins = (organizationId: number) =>
    countRows(
      t.dataSource,
      'user_organizations',
      `organization_id = $1 AND scope = 1 AND status = 'active' AND deleted_at IS NULL`,
      [organizationId],
    );

  describe('listing (listMembersUserOrganization, listBoOrganizationMembers, listBoUserOrganizations)', () => {
    it('lists members and pending invitations with the item fields, oldest first', async () => {
      const { organizationId, admin } = await organization();
      const invited = await member(organizationId, { status: 'invited' });
      const res = await request(t.http).get(membersPath(admin)).set(admin.headers).expect(200);
      expect(res.body.nextCursor).toBeNull();
      expect(res.body.data.map((m: { userId: number }) => m.userId)).toEqual([admin.userId, invited.userId]);
      expect(res.body.data[1]).toEqual({
        id: invited.membershipId,
        userId: invited.userId,
        organizationId,
        email: expect.stringContaining('@example.com'),
        organizationName: expect.any(String),
        scope: 2,
        permissions: { group: 0, read: [1, 2, 3], manage: [1, 2, 3] },
        professionId: null,
        status: 'invited',
        invitedBy: null,
        invitationExpiresAt: null,
        endReason: null,
        endedBy: null,
        roleKey: null,
        version: 1,
        deletedAt: null,
        updatedAt: expect.any(String),
        createdAt: expect.any(String),
        // written without an expiry by another tool: not an invitation this service can tell pending or expired
        state: null,
      });
    });

    it('filters by status, scope and email prefix (case-insensitive, wildcards taken literally)', async () => {
      const { organizationId, admin } = await organization();
      const alice = await member(organizationId, { email: `Alice.${Date.now()}@example.com` });
      const invited = await member(organizationId, { status: 'invited', email: `alfred_${Date.now()}@example.com` });
      const list = async (query: Record<string, string>) =>
        (await request(t.http).get(membersPath(admin)).query(query).set(admin.headers).expect(200)).body.data.map(
          (m: { userId: number }) => m.userId,
        );
      expect(await list({ status: 'invited' })).toEqual([invited.userId]);
      expect(await list({ status: 'active' })).toEqual([admin.userId, alice.userId]);
      expect(await list({ scope: '1' })).toEqual([admin.userId]);
      expect(await list({ scope: '2', status: 'active' })).toEqual([alice.userId]);
      expect(await list({ email: 'aLiCe.' })).toEqual([alice.userId]);
      expect(await list({ email: 'al' })).toEqual([alice.userId, invited.userId]);
      expect(await list({ email: 'alfred_' })).toEqual([invited.userId]);
      expect(await list({ email: 'al%' })).toEqual([]);
      expect(await list({ email: 'alfre__' })).toEqual([]);
    });

    it('pages with a cursor across pages without gaps or repeats', async () => {
      const { organizationId, admin } = await organization();
      const others: number[] = [];
      for (let i = 0; i < 6; i++) {
        others.push((await member(organizationId)).userId);
      }
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: Record<string, string> = { limit: '3', ...(cursor ? { cursor } : {}) };
        const res = await request(t.http).get(membersPath(admin)).query(query).set(admin.headers).expect(200);
        expect(res.body.data.length).toBeLessThanOrEqual(3);
        seen.push(...res.body.data.map((m: { userId: number }) => m.userId));
        cursor = res.body.nextCursor as string | null;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([admin.userId, ...others]);
    });

    it('shows removed memberships only with includeDeleted=true', async () => {
      const { organizationId, admin } = await organization();
      const gone = await member(organizationId);
      await request(t.http).delete(membersPath(admin, gone.userId)).set(admin.headers).expect(200);
      const live = await request(t.http).get(membersPath(admin)).set(admin.headers).expect(200);
      expect(live.body.data.map((m: { userId: number }) => m.userId)).toEqual([admin.userId]);
      const all = await request(t.http)
        .get(membersPath(admin))
        .query({ includeDeleted: 'true' })
        .set(admin.headers)
        .expect(200);
      expect(all.body.data).toHaveLength(2);
      expect(all.body.data[1]).toMatchObject({
        userId: gone.userId,
        deletedAt: expect.any(String),
        endReason: 'removed',
        endedBy: admin.userId,
      });
      const bo1 = await request(t.http).get(`${BO}/organizations/${organizationId}/members`).set(bo).expect(200);
      expect(bo1.body.data).toHaveLength(1);
      const bo2 = await request(t.http)
        .get(`${BO}/organizations/${organizationId}/members`)
        .query({ includeDeleted: 'true' })
        .set(bo)
        .expect(200);
      expect(bo2.body.data).toHaveLength(2);
    });

    it.each([
      ['limit', '0'],
      ['limit', '201'],
      ['limit', '1.5'],
      ['limit', '1e2'],
      ['limit', ' 5'],
      ['scope', '3'],
      ['scope', 'admin'],
      ['status', 'pending'],
      ['includeDeleted', 'yes'],
      ['includeDeleted', '1'],
      ['cursor', 'not-a-cursor'],
      ['organizationId', '1e3'],
      ['unknown', 'x'],
    ])('answers 400 for %s=%j', async (name, value) => {
      const { admin } = await organization();
      const res = await request(t.http)
        .get(membersPath(admin))
        .query({ [name]: value })
        .set(admin.headers)
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      await request(t.http)
        .get(`${BO}/organizations/1/members`)
        .query({ [name === 'organizationId' ? 'limit' : name]: name === 'organizationId' ? '0' : value })
        .set(bo)
        .expect(400);
    });

    it('answers 400 for a repeated parameter', async () => {
      const { admin } = await organization();
      await request(t.http)
        .get(`${membersPath(admin)}?status=active&status=invited`)
        .set(admin.headers)
        .expect(400);
    });

    it('answers 403 to a member, to another user than the path, and to an admin of another organization', async () => {
      const { organizationId, admin } = await organization();
      const plain = await member(organizationId);
      expect((await request(t.http).get(membersPath(plain)).set(plain.headers).expect(403)).body.code).toBe(
        'NOT_ORGANIZATION_ADMIN',
      );
      expect((await request(t.http).get(membersPath(admin)).set(plain.headers).expect(403)).body.code).toBe(
        'NOT_THE_CALLER',
      );
      const other = await organization();
      await request(t.http)
        .get(membersPath(other.admin))
        .query({ organizationId: String(organizationId) })
        .set(other.admin.headers)
        .expect(403);
    });

    it('uses the only organization the caller administers, and asks for organizationId when there are several', async () => {
      const { organizationId, admin } = await organization();
      const noSession = authHeaders(await tokensFor(t.dataSource, t.config, admin.userId));
      const one = await request(t.http).get(membersPath(admin)).set(noSession).expect(200);
      expect(one.body.data[0].organizationId).toBe(organizationId);
      const second = await createOrganization(t.dataSource);
      await addMembership(t.dataSource, { userId: admin.userId, organizationId: second, scope: 1 });
      expect((await request(t.http).get(membersPath(admin)).set(noSession).expect(400)).body.code).toBe(
        'ORGANIZATION_REQUIRED',
      );
      const chosen = await request(t.http)
        .get(membersPath(admin))
        .query({ organizationId: String(second) })
        .set(noSession)
        .expect(200);
      expect(chosen.body.data[0].organizationId).toBe(second);
    });

    it("lists any user's memberships for backoffice, across organizations", async () => {
      const first = await organization();
      const second = await organization();
      const userId = await createUser(t.dataSource);
      await addMembership(t.dataSource, { userId, organizationId: first.organizationId, deleted: true });
      await addMembership(t.dataSource, { userId, organizationId: first.organizationId });
      await addMembership(t.dataSource, { userId, organizationId: second.organizationId, scope: 1, status: 'invited' });
      const res = await request(t.http).get(`${BO}/users/${userId}/organizations`).set(bo).expect(200);
      expect(res.body.data.map((m: { organizationId: number }) => m.organizationId)).toEqual([
        first.organizationId,
        second.organizationId,
      ]);
      const invited = await request(t.http)
        .get(`${BO}/users/${userId}/organizations`)
        .query({ status: 'invited' })
        .set(bo)
        .expect(200);
      expect(invited.body.data).toHaveLength(1);
      const all = await request(t.http)
        .get(`${BO}/users/${userId}/organizations`)
        .query({ includeDeleted: 'true', limit: '2' })
        .set(bo)
        .expect(200);
      expect(all.body.data).toHaveLength(2);
      const rest = await request(t.http)
        .get(`${BO}/users/${userId}/organizations`)
        .query({ includeDeleted: 'true', limit: '2', cursor: all.body.nextCursor as string })
        .set(bo)
        .expect(200);
      expect(rest.body).toMatchObject({ data: [{ organizationId: second.organizationId }], nextCursor: null });
    });

    it('answers 404 to backoffice for an organization or user that never existed, 403 without the role', async () => {
      expect((await request(t.http).get(`${BO}/organizations/987654321/members`).set(bo).expect(404)).body.code).toBe(
        'ORGANIZATION_NOT_FOUND',
      );
      expect((await request(t.http).get(`${BO}/users/987654321/organizations`).set(bo).expect(404)).body.code).toBe(
        'USER_NOT_FOUND',
      );
      const { organizationId, admin } = await organization();
      await request(t.http).get(`${BO}/organizations/${organizationId}/members`).set(admin.headers).expect(403);
      await request(t.http).get(`${BO}/users/${admin.userId}/organizations`).set(admin.headers).expect(403);
      await request(t.http).get(`${BO}/organizations/abc/members`).set(bo).expect(400);
    });
  });

  describe('reading one (getMemberUserOrganization, getBoUserOrganization)', () => {
    it('answers the live membership with its ETag', async () => {
      const { organizationId, admin } = await organization();
      const m = await member(organizationId);
      const res = await request(t.http).get(membersPath(admin, m.userId)).set(admin.headers).expect(200);
      expect(res.body.data).toMatchObject({ id: m.membershipId, userId: m.userId, organizationId, version: 1 });
      expect(res.headers.etag).toBe('"1"');
      const viaBo = await request(t.http).get(boPath(m.userId, organizationId)).set(bo).expect(200);
      expect(viaBo.body).toEqual(res.body);
      expect(viaBo.headers.etag).toBe('"1"');
    });

    it('answers 404 for a non-member, a removed member and a member of another organization', async () => {
      const { organizationId, admin } = await organization();
      const stranger = await createUser(t.dataSource);
      expect((await request(t.http).get(membersPath(admin, stranger)).set(admin.headers).expect(404)).body.code).toBe(
        'MEMBERSHIP_NOT_FOUND',
      );
      const removed = await member(organizationId);
      await request(t.http).delete(membersPath(admin, removed.userId)).set(admin.headers).expect(200);
      await request(t.http).get(membersPath(admin, removed.userId)).set(admin.headers).expect(404);
      await request(t.http).get(boPath(removed.userId, organizationId)).set(bo).expect(404);
      const other = await organization();
      await request(t.http).get(membersPath(admin, other.admin.userId)).set(admin.headers).expect(404);
      await request(t.http).get(membersPath(admin).concat('/1e3')).set(admin.headers).expect(400);
    });
  });

  describe('changing (updateMemberUserOrganization, updateBoUserOrganization)', () => {
    it('changes scope, permissions and profession, bumps the version and records before and after', async () => {
      const { organizationId, admin } = await organization();
      const m = await member(organizationId, { permissions: { group: 0, read: [1], manage: [] } });
      const res = await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .set('x-request-id', `patch-${m.userId}`)
        .send({ scope: 1, permissions: { group: 2, read: [1, 2], manage: [2] }, professionId: 12 })
        .expect(200);
      expect(res.body.data).toMatchObject({
        scope: 1,
        permissions: { group: 2, read: [1, 2], manage: [2] },
        professionId: 12,
        version: 2,
      });
      expect(res.headers.etag).toBe('"2"');
      const [event]: Record<string, unknown>[] = await t.dataSource.query(
        `SELECT action, actor_user_id, organization_id, target_user_id, membership_id, before, after
           FROM audit_events WHERE request_id = $1`,
        [`patch-${m.userId}`],
      );
      expect(event).toEqual({
        action: 'membership.updated',
        actor_user_id: admin.userId,
        organization_id: organizationId,
        target_user_id: m.userId,
        membership_id: m.membershipId,
        before: {
          scope: 2,
          permissions: { group: 0, read: [1], manage: [] },
          roleKey: null,
          professionId: null,
          status: 'active',
          deletedAt: null,
        },
        after: {
          scope: 1,
          permissions: { group: 2, read: [1, 2], manage: [2] },
          roleKey: null,
          professionId: 12,
          status: 'active',
          deletedAt: null,
        },
      });
      const cleared = await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .send({ professionId: null })
        .expect(200);
      expect(cleared.body.data).toMatchObject({ professionId: null, scope: 1, version: 3 });
    });

    it.each([
      ['an empty body', {}, 'NOTHING_TO_UPDATE'],
      ['scope as a string', { scope: '1' }, 'VALIDATION_FAILED'],
      ['scope null', { scope: null }, 'VALIDATION_FAILED'],
      ['permissions null', { permissions: null }, 'VALIDATION_FAILED'],
      ['permissions without manage', { permissions: { group: 0, read: [] } }, 'VALIDATION_FAILED'],
      ['a fractional professionId', { professionId: 1.5 }, 'VALIDATION_FAILED'],
      ['an unknown field', { status: 'active' }, 'VALIDATION_FAILED'],
    ])('answers 400 for %s', async (_name, body, code) => {
      const { organizationId, admin } = await organization();
      const m = await member(organizationId);
      const res = await request(t.http).patch(membersPath(admin, m.userId)).set(admin.headers).send(body).expect(400);
      expect(res.body.code).toBe(code);
      expect(await liveRow(m.userId, organizationId)).toMatchObject({ version: 1 });
    });

    it('answers 403 to a member and 404 for a non-member', async () => {
      const { organizationId, admin } = await organization();
      const m = await member(organizationId);
      await request(t.http).patch(membersPath(m, admin.userId)).set(m.headers).send({ scope: 2 }).expect(403);
      const stranger = await createUser(t.dataSource);
      await request(t.http).patch(membersPath(admin, stranger)).set(admin.headers).send({ scope: 2 }).expect(404);
    });
  });

  describe('no escalation', () => {
    const adminPermissions = { group: 0, read: [1, 2, 3], manage: [1] };

    it('refuses read or manage ids the admin does not hold, with 403 and no change', async () => {
      const organizationId = await createOrganization(t.dataSource);
      const admin = await member(organizationId, { scope: 1, permissions: adminPermissions });
      const m = await member(organizationId, { permissions: { group: 0, read: [], manage: [] } });
      const readMore = await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .send({ permissions: { group: 0, read: [1, 4], manage: [] } })
        .expect(403);
      expect(readMore.body).toMatchObject({
        code: 'PERMISSION_ESCALATION',
        details: [{ path: 'permissions.read', message: expect.stringContaining('4') }],
      });
      await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .send({ permissions: { group: 0, read: [], manage: [2] } })
        .expect(403);
      // nor to itself
      await request(t.http)
        .patch(membersPath(admin, admin.userId))
        .set(admin.headers)
        .send({ permissions: { group: 0, read: [1, 2, 3], manage: [1, 3] } })
        .expect(403);
      expect(await liveRow(m.userId, organizationId)).toMatchObject({
        permissions: { group: 0, read: [], manage: [] },
        version: 1,
      });
      expect(await countRows(t.dataSource, 'audit_events', 'target_user_id = $1', [m.userId])).toBe(0);
    });

    it('grants what the admin holds (manage implies read), and lets ids the member already had stay', async () => {
      const organizationId = await createOrganization(t.dataSource);
      const admin = await member(organizationId, { scope: 1, permissions: adminPermissions });
      const m = await member(organizationId, { permissions: { group: 0, read: [9], manage: [9] } });
      const res = await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .send({ scope: 1, permissions: { group: 5, read: [1, 3, 9], manage: [1, 9] } })
        .expect(200);
      expect(res.body.data.permissions).toEqual({ group: 5, read: [1, 3, 9], manage: [1, 9] });
    });

    it('binds an admin with the backoffice role on the rs route; the bo route is exempt', async () => {
      const organizationId = await createOrganization(t.dataSource);
      const admin = await member(organizationId, { scope: 1, permissions: adminPermissions, backoffice: true });
      const m = await member(organizationId, { permissions: { group: 0, read: [], manage: [] } });
      const refused = await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .send({ permissions: { group: 0, read: [7], manage: [7] } })
        .expect(403);
      expect(refused.body.code).toBe('PERMISSION_ESCALATION');
      await request(t.http)
        .patch(boPath(m.userId, organizationId))
        .set(bo)
        .send({ permissions: { group: 0, read: [8], manage: [8] } })
        .expect(200);
    });
  });

  describe('optimistic concurrency (ETag / If-Match)', () => {
    it('applies a change with the current ETag and refuses a stale one with 412, changing nothing', async () => {
      const { organizationId, admin } = await organization();
      const m = await member(organizationId);
      const read = await request(t.http).get(membersPath(admin, m.userId)).set(admin.headers).expect(200);
      const etag: string = read.headers.etag;
      const first = await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .set('if-match', etag)
        .send({ professionId: 1 })
        .expect(200);
      expect(first.headers.etag).toBe('"2"');
      const stale = await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .set('if-match', etag)
        .send({ professionId: 2 })
        .expect(412);
      expect(stale.body).toMatchObject({ code: 'PRECONDITION_FAILED', currentVersion: 2 });
      await request(t.http).delete(membersPath(admin, m.userId)).set(admin.headers).set('if-match', etag).expect(412);
      await request(t.http).delete(boPath(m.userId, organizationId)).set(bo).set('if-match', etag).expect(412);
      expect(await liveRow(m.userId, organizationId)).toMatchObject({ version: 2 });
      await request(t.http)
        .patch(boPath(m.userId, organizationId))
        .set(bo)
        .set('if-match', '"1", "2"')
        .send({ professionId: 3 })
        .expect(200);
      await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .set('if-match', '*')
        .send({ professionId: 4 })
        .expect(200);
      await request(t.http).delete(membersPath(admin, m.userId)).set(admin.headers).set('if-match', '"4"').expect(200);
    });

    it.each(['W/"1"', 'abc', '"1', '"-1"', '1'])('answers 400 for If-Match %j', async (value) => {
      const { organizationId, admin } = await organization();
      const m = await member(organizationId);
      const res = await request(t.http)
        .patch(membersPath(admin, m.userId))
        .set(admin.headers)
        .set('if-match', value)
        .send({ professionId: 1 })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'header.If-Match' }] });
    });

    it('lets one of two concurrent edits with the same If-Match win: one 200, one 412', async () => {
      const { organizationId, admins } = await organization(2);
      const m = await member(organizationId);
      const edits = await Promise.all(
        admins.map((a, i) =>
          request(t.http)
            .patch(membersPath(a, m.userId))
            .set(a.headers)
            .set('if-match', '"1"')
            .send({ professionId: 100 + i }),
        ),
      );
      expect(edits.map((r) => r.status).sort()).toEqual([200, 412]);
      expect(await liveRow(m.userId, organizationId)).toMatchObject({ version: 2 });
      expect(
        await countRows(t.dataSource, 'audit_events', `target_user_id = $1 AND action = 'membership.updated'`, [
          m.userId,
        ]),
      ).toBe(1);
    });

    it('does the same for ten concurrent backoffice edits', async () => {
      const { organizationId } = await organization();
      const m = await member(organizationId);
      const edits = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          request(t.http)
            .patch(boPath(m.userId, organizationId))
            .set(bo)
            .set('if-match', '"1"')
            .send({ professionId: i }),
        ),
      );
      expect(edits.filter((r) => r.status === 200)).toHaveLength(1);
      expect(edits.filter((r) => r.status === 412)).toHaveLength(9);
    });
  });

  describe('removing and leaving (deleteMemberUserOrganization, deleteBoUserOrganization, leaveUserOrganization)', () => {
    it('soft-deletes a member; its admin access is gone at once', async () => {
      const { admins } = await organization(2);
      const [a, b] = admins;
      await request(t.http).get(membersPath(b)).set(b.headers).expect(200);
      const res = await request(t.http)
        .delete(membersPath(a, b.userId))
        .set(a.headers)
        .set('x-request-id', `remove-${b.userId}`)
        .expect(200);
      expect(res.body.data).toMatchObject({
        userId: b.userId,
        deletedAt: expect.any(String),
        endReason: 'removed',
        endedBy: a.userId,
        version: 2,
      });
      expect(res.headers.etag).toBe('"2"');
      expect((await request(t.http).get(membersPath(b)).set(b.headers).expect(403)).body.code).toBe(
        'NOT_ORGANIZATION_ADMIN',
      );
      await request(t.http).patch(membersPath(b, a.userId)).set(b.headers).send({ scope: 2 }).expect(403);
      expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1', [b.userId])).toBe(1);
      const [event]: { action: string; before: { deletedAt: unknown }; after: Record<string, unknown> }[] =
        await t.dataSource.query(`SELECT action, before, after FROM audit_events WHERE request_id = $1`, [
          `remove-${b.userId}`,
        ]);
      expect(event).toMatchObject({
        action: 'membership.removed',
        before: { deletedAt: null, scope: 1 },
        after: { deletedAt: expect.any(String), endReason: 'removed' },
      });
      await request(t.http).delete(membersPath(a, b.userId)).set(a.headers).expect(404);
    });

    it('removes a pending invitation too', async () => {
      const { organizationId, admin } = await organization();
      const invited = await member(organizationId, { status: 'invited' });
      await request(t.http).delete(membersPath(admin, invited.userId)).set(admin.headers).expect(200);
      expect(await liveRow(invited.userId, organizationId)).toBeUndefined();
    });

    it('lets a member leave; its membership ends with endReason left', async () => {
      const { organizationId } = await organization();
      const m = await member(organizationId);
      const res = await request(t.http)
        .delete(`${RS}/${m.userId}/organizations/${organizationId}/membership`)
        .set(m.headers)
        .expect(200);
      expect(res.body.data).toMatchObject({ endReason: 'left', endedBy: m.userId, deletedAt: expect.any(String) });
      const [event]: { action: string; actor_user_id: number }[] = await t.dataSource.query(
        `SELECT action, actor_user_id FROM audit_events WHERE target_user_id = $1`,
        [m.userId],
      );
      expect(event).toEqual({ action: 'membership.left', actor_user_id: m.userId });
      await request(t.http)
        .delete(`${RS}/${m.userId}/organizations/${organizationId}/membership`)
        .set(m.headers)
        .expect(404);
    });

    it('does not let anyone leave for someone else, nor leave a pending invitation', async () => {
      const { organizationId, admin } = await organization();
      const m = await member(organizationId);
      expect(
        (
          await request(t.http)
            .delete(`${RS}/${m.userId}/organizations/${organizationId}/membership`)
            .set(admin.headers)
            .expect(403)
        ).body.code,
      ).toBe('NOT_THE_CALLER');
      const invited = await member(organizationId, { status: 'invited' });
      expect(
        (
          await request(t.http)
            .delete(`${RS}/${invited.userId}/organizations/${organizationId}/membership`)
            .set(invited.headers)
            .expect(409)
        ).body.code,
      ).toBe('INVITATION_PENDING');
    });

    it('lets backoffice remove anyone but the last admin', async () => {
      const { organizationId, admin } = await organization();
      const m = await member(organizationId);
      const res = await request(t.http).delete(boPath(m.userId, organizationId)).set(bo).expect(200);
      expect(res.body.data).toMatchObject({ endReason: 'removed', deletedAt: expect.any(String) });
      expect((await request(t.http).delete(boPath(admin.userId, organizationId)).set(bo).expect(409)).body.code).toBe(
        'LAST_ADMIN',
      );
      await request(t.http).delete(boPath(m.userId, organizationId)).set(bo).expect(404);
      await request(t.http).delete(boPath(m.userId, organizationId)).set(admin.headers).expect(403);
    });
  });

  describe('the last active ADMIN', () => {
    it('cannot be demoted, removed or leave (409 LAST_ADMIN), by itself or by backoffice', async () => {
      const { organizationId, admin } = await organization();
      // a pending invitation as ADMIN does not count as an admin
      await member(organizationId, { scope: 1, status: 'invited' });
      const attempts = [
        request(t.http).patch(membersPath(admin, admin.userId)).set(admin.headers).send({ scope: 2 }),
        request(t.http).delete(membersPath(admin, admin.userId)).set(admin.headers),
        request(t.http).delete(`${RS}/${admin.userId}/organizations/${organizationId}/membership`).set(admin.headers),
        request(t.http).patch(boPath(admin.userId, organizationId)).set(bo).send({ scope: 2 }),
        request(t.http).delete(boPath(admin.userId, organizationId)).set(bo),
      ];
      for (const attempt of attempts) {
        const res = await attempt;
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'LAST_ADMIN' });
      }
      expect(await liveRow(admin.userId, organizationId)).toMatchObject({ scope: 1, version: 1 });
      // other changes to the last admin are fine
      await request(t.http)
        .patch(membersPath(admin, admin.userId))
        .set(admin.headers)
        .send({ scope: 1, professionId: 5 })
        .expect(200);
    });

    it('can step down once another admin exists', async () => {
      const { organizationId, admins } = await organization(2);
      const [a, b] = admins;
      await request(t.http).patch(membersPath(a, a.userId)).set(a.headers).send({ scope: 2 }).expect(200);
      expect(await activeAdmins(organizationId)).toBe(1);
      await request(t.http)
        .delete(`${RS}/${b.userId}/organizations/${organizationId}/membership`)
        .set(b.headers)
        .expect(409);
    });

    it('survives concurrent demotions of the last two admins: one 200, one 409, one admin left', async () => {
      const rounds = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const { organizationId, admins } = await organization(2);
          const responses = await Promise.all(
            admins.map((a) => request(t.http).patch(boPath(a.userId, organizationId)).set(bo).send({ scope: 2 })),
          );
          return { statuses: responses.map((r) => r.status).sort(), left: await activeAdmins(organizationId) };
        }),
      );
      for (const round of rounds) {
        expect(round).toEqual({ statuses: [200, 409], left: 1 });
      }
    });

    it('survives two admins removing each other, leaving, or demoting themselves at the same time', async () => {
      const scenarios: ((a: Member, b: Member, organizationId: number) => request.Test)[] = [
        (a, b) => request(t.http).delete(membersPath(a, b.userId)).set(a.headers),
        (a, _b, organizationId) =>
          request(t.http).delete(`${RS}/${a.userId}/organizations/${organizationId}/membership`).set(a.headers),
        (a) => request(t.http).patch(membersPath(a, a.userId)).set(a.headers).send({ scope: 2 }),
      ];
      for (const scenario of scenarios) {
        const { organizationId, admins } = await organization(2);
        const [a, b] = admins;
        const responses = await Promise.all([scenario(a, b, organizationId), scenario(b, a, organizationId)]);
        const statuses = responses.map((r) => r.status);
        expect(statuses.filter((s) => s === 200)).toHaveLength(1);
        expect(statuses.filter((s) => s === 403 || s === 409)).toHaveLength(1);
        expect(await activeAdmins(organizationId)).toBe(1);
      }
    });
  });
});
