import request from 'supertest';
import { createTestApp, PATIENT_DATABASE, type TestApp } from './utils/test-app.js';
import {
  addMembership,
  authHeaders,
  countRows,
  createAdmin,
  createUser,
  tokensFor,
  uniqueEmail,
} from './utils/fixtures.js';

const BASE = '/users-organizations/v1';
const RS = `${BASE}/rs/na`;
const BO = `${BASE}/bo`;
const NONE = { group: 0, read: [], manage: [] };
const SUPPORT = {
  key: 'support',
  name: 'Support agent',
  scope: 2,
  permissions: { group: 0, read: [1, 2], manage: [2] },
};

describe('organization roles: the catalogue and roleKey on every grant', () => {
  let t: TestApp;
  let bo: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp(PATIENT_DATABASE);
    const boUserId = await createUser(t.dataSource);
    bo = authHeaders(await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true }));
  });
  afterAll(async () => {
    await t.close();
  });

  type Admin = Awaited<ReturnType<typeof createAdmin>>;
  const rolesPath = (admin: Admin) => `${RS}/${admin.userId}/roles`;
  const boRoles = (organizationId: number) => `${BO}/organizations/${organizationId}/roles`;
  const createRole = (admin: Admin, body: Record<string, unknown> = SUPPORT) =>
    request(t.http).post(rolesPath(admin)).set(admin.headers).send(body);
  const membership = async (organizationId: number, email: string) => {
    const rows: { scope: number; permissions: unknown; role_key: string | null; status: string }[] =
      await t.dataSource.query(
        `SELECT uo.scope, uo.permissions, uo.role_key, uo.status FROM user_organizations uo
           JOIN users u ON u.id = uo.user_id
          WHERE uo.organization_id = $1 AND lower(u.email) = lower($2) AND uo.deleted_at IS NULL`,
        [organizationId, email],
      );
    return rows[0];
  };
  const auditActions = async (organizationId: number, prefix: string) =>
    (
      await t.dataSource.query<{ action: string }[]>(
        `SELECT action FROM audit_events WHERE organization_id = $1 AND action LIKE $2 ORDER BY id`,
        [organizationId, `${prefix}%`],
      )
    ).map((r) => r.action);

  it('lists the built-in roles of every organization, then custom ones; admins create, change and delete, audited', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const listed = await request(t.http).get(rolesPath(admin)).set(admin.headers).expect(200);
    expect(listed.body.data).toEqual([
      { key: 'admin', name: 'Admin', scope: 1, permissions: NONE, builtIn: true },
      { key: 'member', name: 'Member', scope: 2, permissions: NONE, builtIn: true },
    ]);

    const created = await createRole(admin).expect(201);
    expect(created.body.data).toEqual({ ...SUPPORT, builtIn: false });
    const changed = await request(t.http)
      .patch(`${rolesPath(admin)}/support`)
      .set(admin.headers)
      .send({ name: 'Support lead', permissions: { group: 0, read: [1], manage: [] } })
      .expect(200);
    expect(changed.body.data).toEqual({
      ...SUPPORT,
      name: 'Support lead',
      permissions: { group: 0, read: [1], manage: [] },
      builtIn: false,
    });
    // the same change again changes nothing and is not audited
    await request(t.http)
      .patch(`${rolesPath(admin)}/support`)
      .set(admin.headers)
      .send({ name: 'Support lead' })
      .expect(200);
    const all = await request(t.http).get(boRoles(admin.organizationId)).set(bo).expect(200);
    expect(all.body.data.map((r: { key: string }) => r.key)).toEqual(['admin', 'member', 'support']);

    const deleted = await request(t.http)
      .delete(`${rolesPath(admin)}/support`)
      .set(admin.headers)
      .expect(200);
    expect(deleted.body.data.key).toBe('support');
    await request(t.http)
      .delete(`${rolesPath(admin)}/support`)
      .set(admin.headers)
      .expect(404);
    // nothing is erased: the row stays, deleted, and the key may be used again
    expect(await countRows(t.dataSource, 'organization_roles', 'organization_id = $1', [admin.organizationId])).toBe(1);
    await createRole(admin).expect(201);
    expect(await auditActions(admin.organizationId, 'role.')).toEqual([
      'role.created',
      'role.updated',
      'role.deleted',
      'role.created',
    ]);
  });

  it('refuses taken and built-in keys (409), and changes or deletes of built-in roles (409)', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    await createRole(admin).expect(201);
    expect((await createRole(admin).expect(409)).body.code).toBe('ROLE_EXISTS');
    expect((await createRole(admin, { ...SUPPORT, key: 'admin' }).expect(409)).body.code).toBe('ROLE_EXISTS');
    for (const key of ['admin', 'member']) {
      const patched = await request(t.http)
        .patch(`${rolesPath(admin)}/${key}`)
        .set(admin.headers)
        .send({ name: 'x' });
      expect([patched.status, patched.body.code]).toEqual([409, 'ROLE_BUILT_IN']);
      const deleted = await request(t.http)
        .delete(`${boRoles(admin.organizationId)}/${key}`)
        .set(bo);
      expect([deleted.status, deleted.body.code]).toEqual([409, 'ROLE_BUILT_IN']);
    }
    // the same key in another organization is another role
    const other = await createAdmin(t.dataSource, t.config);
    await createRole(other).expect(201);
  });

  it.each([
    [{ ...SUPPORT, key: 'Support' }],
    [{ ...SUPPORT, key: 'a'.repeat(41) }],
    [{ ...SUPPORT, key: 'sup port' }],
    [{ ...SUPPORT, key: '' }],
    [{ ...SUPPORT, name: '   ' }],
    [{ ...SUPPORT, name: 'x'.repeat(101) }],
    [{ ...SUPPORT, scope: 3 }],
    [{ ...SUPPORT, scope: '2' }],
    [{ ...SUPPORT, permissions: { group: 0, read: ['1'], manage: [] } }],
    [{ ...SUPPORT, extra: true }],
    [{ key: 'x', name: 'x' }],
  ])('refuses the role %j with 400', async (body) => {
    const admin = await createAdmin(t.dataSource, t.config);
    const res = await createRole(admin, body).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(await countRows(t.dataSource, 'organization_roles', 'organization_id = $1', [admin.organizationId])).toBe(0);
  });

  it('refuses a malformed role key in the path (400), an empty change (400) and an unknown role (404)', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const bad = await request(t.http)
      .patch(`${rolesPath(admin)}/Not_A_Key`)
      .set(admin.headers)
      .send({ name: 'x' });
    expect([bad.status, bad.body.details?.[0]?.path]).toEqual([400, 'path.roleKey']);
    await createRole(admin).expect(201);
    const empty = await request(t.http)
      .patch(`${rolesPath(admin)}/support`)
      .set(admin.headers)
      .send({});
    expect([empty.status, empty.body.code]).toEqual([400, 'NOTHING_TO_UPDATE']);
    const unknown = await request(t.http)
      .patch(`${rolesPath(admin)}/nope`)
      .set(admin.headers)
      .send({ name: 'x' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ROLE_NOT_FOUND']);
  });

  it('holds an admin to its own grant when it defines a role (403), backoffice is not bound', async () => {
    const admin = await createAdmin(t.dataSource, t.config); // holds read/manage [1, 2, 3]
    const wider = { ...SUPPORT, key: 'wider', permissions: { group: 0, read: [1, 99], manage: [] } };
    const refused = await createRole(admin, wider).expect(403);
    expect(refused.body.code).toBe('PERMISSION_ESCALATION');
    await request(t.http).post(boRoles(admin.organizationId)).set(bo).send(wider).expect(201);
    // widening an existing role is a grant too; renaming it is not
    await createRole(admin).expect(201);
    await request(t.http)
      .patch(`${rolesPath(admin)}/support`)
      .set(admin.headers)
      .send({ permissions: { group: 0, read: [], manage: [99] } })
      .expect(403);
    await request(t.http)
      .patch(`${rolesPath(admin)}/wider`)
      .set(admin.headers)
      .send({ name: 'Wide' })
      .expect(200);
    // and inviting with a role wider than the inviter is the escalation it would be field by field
    const invite = await request(t.http)
      .post(`${RS}/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email: uniqueEmail(), roleKey: 'wider' })
      .expect(403);
    expect(invite.body.code).toBe('PERMISSION_ESCALATION');
    expect(await countRows(t.dataSource, 'user_organizations', 'organization_id = $1', [admin.organizationId])).toBe(1);
  });

  it('answers members and strangers 403, and an unknown or deleted organization 404 for backoffice', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const member = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: member, organizationId: admin.organizationId });
    const headers = authHeaders(await tokensFor(t.dataSource, t.config, member));
    await request(t.http).get(`${RS}/${member}/roles`).set(headers).expect(403);
    await request(t.http).post(`${RS}/${member}/roles`).set(headers).send(SUPPORT).expect(403);
    await request(t.http).get(rolesPath(admin)).set(headers).expect(403); // not the caller
    await request(t.http).get(boRoles(admin.organizationId)).set(admin.headers).expect(403); // not backoffice
    await request(t.http).get(boRoles(987654321)).set(bo).expect(404);
    await request(t.http).delete(`${BO}/organizations/${admin.organizationId}`).set(bo).expect(200);
    const gone = await request(t.http).post(boRoles(admin.organizationId)).set(bo).send(SUPPORT).expect(404);
    expect(gone.body.code).toBe('ORGANIZATION_NOT_FOUND');
  });

  it('copies a role into invitations (route 1, bulk), registrations and member changes, remembering its key', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    await createRole(admin).expect(201);
    const email = uniqueEmail();
    const invited = await request(t.http)
      .post(`${RS}/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email, roleKey: 'support' })
      .expect(201);
    expect(invited.body.data).toMatchObject({ scope: 2, permissions: SUPPORT.permissions, status: 'invited' });
    expect(await membership(admin.organizationId, email)).toEqual({
      scope: 2,
      permissions: SUPPORT.permissions,
      role_key: 'support',
      status: 'invited',
    });

    const [a, b] = [uniqueEmail(), uniqueEmail()];
    const bulk = await request(t.http)
      .post(`${RS}/${admin.userId}/invitations/bulk`)
      .set(admin.headers)
      .send({
        invitations: [
          { email: a, roleKey: 'admin' },
          { email: b, roleKey: 'ghost' },
        ],
      })
      .expect(207);
    expect(bulk.body.results[0]).toMatchObject({ status: 201 });
    expect(bulk.body.results[1]).toMatchObject({
      status: 400,
      code: 'UNKNOWN_ROLE',
      details: [{ path: 'invitations[1].roleKey', message: 'no such role in this organization' }],
    });
    expect((await membership(admin.organizationId, a)).role_key).toBe('admin');
    expect(await membership(admin.organizationId, b)).toBeUndefined();

    const registered = await createUser(t.dataSource);
    await request(t.http)
      .post(`${BO}/users/register/${registered}/organizations/${admin.organizationId}`)
      .set(bo)
      .send({ roleKey: 'support' })
      .expect(201);
    const member = await request(t.http)
      .get(`${RS}/${admin.userId}/members/${registered}`)
      .set(admin.headers)
      .expect(200);
    expect(member.body.data).toMatchObject({ roleKey: 'support', scope: 2, permissions: SUPPORT.permissions });

    // a change field by field is a custom grant (no key); a roleKey change copies the role again
    const custom = await request(t.http)
      .patch(`${RS}/${admin.userId}/members/${registered}`)
      .set(admin.headers)
      .send({ permissions: { group: 0, read: [1], manage: [] } })
      .expect(200);
    expect(custom.body.data.roleKey).toBeNull();
    const back = await request(t.http)
      .patch(`${RS}/${admin.userId}/members/${registered}`)
      .set(admin.headers)
      .send({ roleKey: 'member' })
      .expect(200);
    expect(back.body.data).toMatchObject({ roleKey: 'member', scope: 2, permissions: NONE });

    // changing the role later leaves the memberships made from it as they are
    await request(t.http)
      .patch(`${rolesPath(admin)}/support`)
      .set(admin.headers)
      .send({ permissions: NONE })
      .expect(200);
    expect((await membership(admin.organizationId, email)).permissions).toEqual(SUPPORT.permissions);
  });

  it('route 3 roleId names the built-in roles', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const email = uniqueEmail();
    await request(t.http).post(`${BASE}/users/invite`).set(admin.headers).send({ email, roleId: '1' }).expect(201);
    expect((await membership(admin.organizationId, email)).role_key).toBe('admin');
  });

  it.each([
    ['both styles', { roleKey: 'member', scope: 2, permissions: NONE }, 'VALIDATION_FAILED'],
    ['roleKey with scope', { roleKey: 'member', scope: 2 }, 'VALIDATION_FAILED'],
    ['neither', {}, 'VALIDATION_FAILED'],
    ['a malformed key', { roleKey: 'Member!' }, 'VALIDATION_FAILED'],
    ['an unknown key', { roleKey: 'ghost' }, 'UNKNOWN_ROLE'],
  ])('refuses %s with 400 on invite, register and member change, writing nothing', async (_what, grant, code) => {
    const admin = await createAdmin(t.dataSource, t.config);
    const email = uniqueEmail();
    const invite = await request(t.http)
      .post(`${RS}/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email, ...grant });
    expect([invite.status, invite.body.code]).toEqual([400, code]);
    expect(await countRows(t.dataSource, 'users', 'lower(email) = lower($1)', [email])).toBe(0);

    const user = await createUser(t.dataSource);
    const register = await request(t.http)
      .post(`${BO}/users/register/${user}/organizations/${admin.organizationId}`)
      .set(bo)
      .send(grant);
    expect([register.status, register.body.code]).toEqual([400, code]);
    expect(await countRows(t.dataSource, 'user_organizations', 'user_id = $1', [user])).toBe(0);

    if (Object.keys(grant).length > 0) {
      const change = await request(t.http)
        .patch(`${RS}/${admin.userId}/members/${admin.userId}`)
        .set(admin.headers)
        .send(grant);
      expect([change.status, change.body.code]).toEqual([400, code]);
    }
    expect(await auditActions(admin.organizationId, '')).toEqual([]);
  });

  it('registering with a custom role into an unknown organization is 404, not UNKNOWN_ROLE', async () => {
    const user = await createUser(t.dataSource);
    const res = await request(t.http)
      .post(`${BO}/users/register/${user}/organizations/987654321`)
      .set(bo)
      .send({ roleKey: 'support' });
    expect([res.status, res.body.code]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
  });

  it(`refuses a custom role beyond the limit (409 ROLE_LIMIT_REACHED), decided under the organization's lock`, async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const results = await Promise.all(
      Array.from({ length: 55 }, (_, i) =>
        request(t.http)
          .post(boRoles(admin.organizationId))
          .set(bo)
          .send({ ...SUPPORT, key: `r${i}` }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(
      Array(5).fill('ROLE_LIMIT_REACHED'),
    );
    expect(
      await countRows(t.dataSource, 'organization_roles', 'organization_id = $1 AND deleted_at IS NULL', [
        admin.organizationId,
      ]),
    ).toBe(50);
  });
});
