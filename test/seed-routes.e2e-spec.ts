import { apiClient, type ApiClient } from './utils/api-client.js';
import { authHeaders, countRows, createAdmin, createOrganization, createUser, tokensFor } from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// The seed pages' own example requests, sent through the client generated from /openapi.json.
describe('seed routes through the generated client', () => {
  let t: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    t = await createTestApp();
    api = await apiClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('createRegisterUserOrganization: the seed example registers an active membership', async () => {
    const staff = await createUser(t.dataSource);
    const headers = authHeaders(await tokensFor(t.dataSource, t.config, staff, { backoffice: true }));
    const [userId, organizationId] = [await createUser(t.dataSource), await createOrganization(t.dataSource)];
    const { data, error, response } = await api.POST(
      '/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}',
      {
        params: { path: { userId, organizationId } },
        headers,
        body: { scope: 1, permissions: { group: 0, manage: [1, 2], read: [1, 2] } },
      },
    );
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(data?.data).toEqual({
      userId,
      organizationId,
      scope: 1,
      permissions: { group: 0, read: [1, 2], manage: [1, 2] },
      professionId: null,
      status: 'active',
      deletedAt: null,
      updatedAt: expect.any(String),
      createdAt: expect.any(String),
    });
    expect(
      await countRows(
        t.dataSource,
        'user_organizations',
        'user_id = $1 AND organization_id = $2 AND deleted_at IS NULL',
        [userId, organizationId],
      ),
    ).toBe(1);

    const again = await api.POST('/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}', {
      params: { path: { userId, organizationId } },
      headers,
      body: { scope: 1, permissions: { group: 0, manage: [1, 2], read: [1, 2] } },
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ error: expect.any(String), code: 'MEMBERSHIP_ALREADY_EXISTS' });
  });

  it('createInviteUserOrganization: the seed example invites and answers the seed shape', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const { data, error, response } = await api.POST('/users-organizations/v1/rs/na/{userId}/invite', {
      params: { path: { userId: admin.userId } },
      headers: admin.headers,
      body: {
        email: 'test@mail.com',
        scope: 1,
        permissions: { group: 0, manage: [1, 2], read: [1, 2] },
        professionId: 1,
      },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(data?.data).toEqual({
      userId: expect.any(Number),
      organizationId: admin.organizationId,
      scope: 1,
      permissions: { group: 0, read: [1, 2], manage: [1, 2] },
      professionId: 1,
      status: 'invited',
      deletedAt: null,
      updatedAt: expect.any(String),
      createdAt: expect.any(String),
    });
    const users: { status: string }[] = await t.dataSource.query(
      `SELECT status FROM users WHERE lower(email) = 'test@mail.com'`,
    );
    expect(users).toEqual([{ status: 'invited' }]);
  });

  it('inviteUser: the DoiT-style invite answers with string ids', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const { data, error, response } = await api.POST('/users-organizations/v1/users/invite', {
      headers: admin.headers,
      body: { email: 'doit.person@example.com', roleId: 'admin', organizationId: String(admin.organizationId) },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(data).toEqual({
      message: expect.any(String),
      user: {
        id: expect.stringMatching(/^\d+$/),
        email: 'doit.person@example.com',
        roleId: '1',
        organizationId: String(admin.organizationId),
        status: 'invited',
      },
    });
  });
});
