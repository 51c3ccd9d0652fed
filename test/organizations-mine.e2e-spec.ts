import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { addMembership, authHeaders, createOrganization, createUser, tokensFor } from './utils/fixtures.js';

const RS = '/users-organizations/v1/rs/na';

describe('my organizations (listOrganizationsUserOrganization)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function caller() {
    const userId = await createUser(t.dataSource);
    return { userId, headers: authHeaders(await tokensFor(t.dataSource, t.config, userId)) };
  }

  it('lists live memberships and pending invitations in live organizations, with names', async () => {
    const me = await caller();
    const acme = await createOrganization(t.dataSource, 'Acme');
    const globex = await createOrganization(t.dataSource, 'Globex');
    const left = await createOrganization(t.dataSource, 'Left');
    const gone = await createOrganization(t.dataSource, 'Gone');
    await addMembership(t.dataSource, { userId: me.userId, organizationId: acme, scope: 1 });
    await addMembership(t.dataSource, {
      userId: me.userId,
      organizationId: globex,
      status: 'invited',
      permissions: { group: 3, read: [4], manage: [] },
    });
    await addMembership(t.dataSource, { userId: me.userId, organizationId: left, deleted: true });
    await addMembership(t.dataSource, { userId: me.userId, organizationId: gone });
    await t.dataSource.query(`UPDATE organizations SET deleted_at = now() WHERE id = $1`, [gone]);
    const other = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: other, organizationId: acme });

    const res = await request(t.http).get(`${RS}/${me.userId}/organizations`).set(me.headers).expect(200);
    expect(res.body).toEqual({
      data: [
        {
          organization: { id: acme, name: 'Acme' },
          scope: 1,
          permissions: { group: 0, read: [1, 2, 3], manage: [1, 2, 3] },
          roleKey: null,
          status: 'active',
        },
        {
          organization: { id: globex, name: 'Globex' },
          scope: 2,
          permissions: { group: 3, read: [4], manage: [] },
          roleKey: null,
          status: 'invited',
        },
      ],
      nextCursor: null,
    });
  });

  it('pages with a cursor without gaps or repeats', async () => {
    const me = await caller();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const organizationId = await createOrganization(t.dataSource);
      await addMembership(t.dataSource, { userId: me.userId, organizationId });
      ids.push(organizationId);
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await request(t.http)
        .get(`${RS}/${me.userId}/organizations`)
        .query({ limit: '2', ...(cursor ? { cursor } : {}) })
        .set(me.headers)
        .expect(200);
      seen.push(...res.body.data.map((m: { organization: { id: number } }) => m.organization.id));
      cursor = res.body.nextCursor as string | null;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('an empty list for a user with no organization', async () => {
    const me = await caller();
    const res = await request(t.http).get(`${RS}/${me.userId}/organizations`).set(me.headers).expect(200);
    expect(res.body).toEqual({ data: [], nextCursor: null });
  });

  it("refuses another user's list (403) and bad paging (400)", async () => {
    const me = await caller();
    const other = await createUser(t.dataSource);
    const forbidden = await request(t.http).get(`${RS}/${other}/organizations`).set(me.headers).expect(403);
    expect(forbidden.body.code).toBe('NOT_THE_CALLER');
    for (const query of [{ limit: '0' }, { limit: '201' }, { cursor: 'nope' }, { unknown: '1' }]) {
      await request(t.http).get(`${RS}/${me.userId}/organizations`).query(query).set(me.headers).expect(400);
    }
  });
});
