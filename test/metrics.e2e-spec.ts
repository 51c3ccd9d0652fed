import request from 'supertest';
import { authHeaders, createAdmin, createOrganization, createUser, tokensFor, uniqueEmail } from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

describe('metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves Prometheus text at /metrics without credentials', async () => {
    await request(t.http).get('/health/live').expect(200);
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} 1/,
    );
    expect(res.text).toMatch(/^db_pool_connections_total \d+$/m);
    expect(res.text).toMatch(/^# TYPE invitations_total counter$/m);
    expect(res.text).toMatch(/^# TYPE emails_total counter$/m);
    expect(res.text).toMatch(/^# TYPE registrations_total counter$/m);
  });

  it('labels unmatched requests without the raw path', async () => {
    await request(t.http).get('/no/such/route/12345').expect(404);
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.text).toMatch(/route="unmatched",status="404"/);
    expect(res.text).not.toContain('12345');
  });

  it('counts backoffice registrations', async () => {
    const staff = await createUser(t.dataSource);
    const headers = authHeaders(await tokensFor(t.dataSource, t.config, staff, { backoffice: true }));
    const [userId, organizationId] = [await createUser(t.dataSource), await createOrganization(t.dataSource)];
    const path = `/users-organizations/v1/bo/users/register/${userId}/organizations/${organizationId}`;
    const body = { scope: 2, permissions: { group: 0, read: [], manage: [] } };
    await request(t.http).post(path).set(headers).send(body).expect(201);
    await request(t.http).post(path).set(headers).send(body).expect(409);
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.text).toMatch(/^registrations_total 1$/m);
  });

  it('counts invitations created and revoked, and not the ones refused', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const invite = (email: string) =>
      request(t.http)
        .post(`/users-organizations/v1/rs/na/${admin.userId}/invite`)
        .set(admin.headers)
        .send({ email, scope: 2, permissions: { group: 0, read: [], manage: [] } });
    const email = uniqueEmail('counted');
    const created = await invite(email).expect(201);
    await invite(email).expect(409);
    const rows: { id: number }[] = await t.dataSource.query(
      `SELECT uo.id FROM user_organizations uo WHERE uo.user_id = $1 AND uo.organization_id = $2`,
      [created.body.data.userId, admin.organizationId],
    );
    await request(t.http)
      .delete(`/users-organizations/v1/rs/na/${admin.userId}/invitations/${rows[0].id}`)
      .set(admin.headers)
      .expect(200);
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.text).toMatch(/^invitations_total\{event="created"\} 1$/m);
    expect(res.text).toMatch(/^invitations_total\{event="revoked"\} 1$/m);
  });
});
