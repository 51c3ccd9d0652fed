import { apiClient, type ApiClient } from './utils/api-client.js';
import { authHeaders, countRows, createOrganization, createUser, tokensFor } from './utils/fixtures.js';
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
});
