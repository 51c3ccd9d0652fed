import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { authHeaders, createOrganization, createUser, tokensFor } from './utils/fixtures.js';

/** The seed URLs carry the API_PREFIX `main`: an app booted with it serves the route under /main only. */
describe('registrations under the API_PREFIX the seed URLs carry', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ API_PREFIX: 'main' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves createRegisterUserOrganization at /main/users-organizations/v1/bo/users/register/...', async () => {
    const userId = await createUser(t.dataSource);
    const organizationId = await createOrganization(t.dataSource);
    const boId = await createUser(t.dataSource);
    const headers = authHeaders(await tokensFor(t.dataSource, t.config, boId, { backoffice: true }));
    const path = `/users-organizations/v1/bo/users/register/${userId}/organizations/${organizationId}`;
    const res = await request(t.http)
      .post(`/main${path}`)
      .set(headers)
      .send({ scope: 1, permissions: { group: 0, manage: [1, 2], read: [1, 2] } })
      .expect(201);
    expect(res.body.data).toMatchObject({ userId, organizationId, scope: 1, status: 'active' });
    await request(t.http).post(path).set(headers).send({}).expect(404);
  });
});
