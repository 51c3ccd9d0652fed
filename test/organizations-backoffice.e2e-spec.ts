import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { addMembership, authHeaders, countRows, createUser, tokensFor } from './utils/fixtures.js';

const BO = '/users-organizations/v1/bo';
const RS = '/users-organizations/v1/rs/na';

describe('organizations for backoffice (create, rename, delete, restore)', () => {
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

  const audit = async (organizationId: number) =>
    t.dataSource.query<{ action: string; actor_user_id: string; before: unknown; after: unknown }[]>(
      `SELECT action, actor_user_id::text AS actor_user_id, before, after FROM audit_events WHERE organization_id = $1 ORDER BY id`,
      [organizationId],
    );

  it('creates, renames, deletes and restores, each audited', async () => {
    const created = await request(t.http).post(`${BO}/organizations`).set(bo).send({ name: '  Acme  ' }).expect(201);
    const id = created.body.data.id as number;
    expect(created.body.data).toEqual({
      id: expect.any(Number),
      name: 'Acme',
      deletedAt: null,
      updatedAt: expect.any(String),
      createdAt: expect.any(String),
    });
    expect((await request(t.http).get(`${BO}/organizations/${id}`).set(bo).expect(200)).body.data.name).toBe('Acme');

    const renamed = await request(t.http).patch(`${BO}/organizations/${id}`).set(bo).send({ name: 'Acme Corp' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.name).toBe('Acme Corp');

    const deleted = await request(t.http).delete(`${BO}/organizations/${id}`).set(bo).expect(200);
    expect(deleted.body.data.deletedAt).toEqual(expect.any(String));
    await request(t.http).get(`${BO}/organizations/${id}`).set(bo).expect(404);
    await request(t.http).patch(`${BO}/organizations/${id}`).set(bo).send({ name: 'X' }).expect(404);
    await request(t.http).delete(`${BO}/organizations/${id}`).set(bo).expect(404);

    const restored = await request(t.http).post(`${BO}/organizations/${id}/restore`).set(bo).expect(200);
    expect(restored.body.data).toMatchObject({ id, name: 'Acme Corp', deletedAt: null });
    const again = await request(t.http).post(`${BO}/organizations/${id}/restore`).set(bo).expect(409);
    expect(again.body.code).toBe('ORGANIZATION_NOT_DELETED');

    expect(await audit(id)).toEqual([
      {
        action: 'organization.created',
        actor_user_id: String(boUserId),
        before: null,
        after: { name: 'Acme', deletedAt: null },
      },
      {
        action: 'organization.renamed',
        actor_user_id: String(boUserId),
        before: { name: 'Acme', deletedAt: null },
        after: { name: 'Acme Corp', deletedAt: null },
      },
      {
        action: 'organization.deleted',
        actor_user_id: String(boUserId),
        before: { name: 'Acme Corp', deletedAt: null },
        after: { name: 'Acme Corp', deletedAt: expect.any(String) },
      },
      {
        action: 'organization.restored',
        actor_user_id: String(boUserId),
        before: { name: 'Acme Corp', deletedAt: expect.any(String) },
        after: { name: 'Acme Corp', deletedAt: null },
      },
    ]);
  });

  it('a deleted organization stops granting at once, keeps its history, and comes back whole on restore', async () => {
    const id = (await request(t.http).post(`${BO}/organizations`).set(bo).send({ name: 'Soon gone' }).expect(201)).body
      .data.id as number;
    const adminId = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: adminId, organizationId: id, scope: 1 });
    const admin = authHeaders(await tokensFor(t.dataSource, t.config, adminId));
    await request(t.http).get(`${RS}/${adminId}/members`).query({ organizationId: id }).set(admin).expect(200);

    await request(t.http).delete(`${BO}/organizations/${id}`).set(bo).expect(200);
    await request(t.http).get(`${RS}/${adminId}/members`).query({ organizationId: id }).set(admin).expect(403);
    const mine = await request(t.http).get(`${RS}/${adminId}/organizations`).set(admin).expect(200);
    expect(mine.body.data).toEqual([]);
    await request(t.http)
      .post(`${BO}/users/register/${adminId}/organizations/${id}`)
      .set(bo)
      .send({ scope: 2, permissions: { group: 0, read: [], manage: [] } })
      .expect(404);
    expect(
      await countRows(t.dataSource, 'user_organizations', 'organization_id = $1 AND deleted_at IS NULL', [id]),
    ).toBe(1);

    await request(t.http).post(`${BO}/organizations/${id}/restore`).set(bo).expect(200);
    await request(t.http).get(`${RS}/${adminId}/members`).query({ organizationId: id }).set(admin).expect(200);
  });

  it('refuses bad input (400), unknown ids (404) and callers without the backoffice role (403)', async () => {
    for (const body of [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(201) },
      { name: 5 },
      { name: 'a', x: 1 },
    ]) {
      await request(t.http).post(`${BO}/organizations`).set(bo).send(body).expect(400);
    }
    await request(t.http).get(`${BO}/organizations/abc`).set(bo).expect(400);
    await request(t.http).get(`${BO}/organizations/999999999`).set(bo).expect(404);
    await request(t.http).post(`${BO}/organizations/999999999/restore`).set(bo).expect(404);
    const userId = await createUser(t.dataSource);
    const user = authHeaders(await tokensFor(t.dataSource, t.config, userId));
    await request(t.http).post(`${BO}/organizations`).set(user).send({ name: 'Nope' }).expect(403);
  });
});
