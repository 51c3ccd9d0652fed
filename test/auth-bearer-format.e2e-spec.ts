import request from 'supertest';
import { authHeaders, createAdmin } from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// The hand-written HS256 fast path and passport-jwt must read the header the same way.
describe('the Authorization header format', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses `Bearer <valid token> extra` with 401 and writes nothing', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const headers = { ...authHeaders(admin.tokens), authorization: `Bearer ${admin.tokens.bearer} extra` };
    const res = await request(t.http)
      .post(`/users-organizations/v1/rs/na/${admin.userId}/invite`)
      .set(headers)
      .send({ email: 'trailing.word@example.com', scope: 2, permissions: { group: 0, read: [], manage: [] } })
      .expect(401);
    expect(res.body.code).toBe('BEARER_INVALID');
    const rows: unknown[] = await t.dataSource.query(
      `SELECT 1 FROM users WHERE lower(email) = 'trailing.word@example.com'`,
    );
    expect(rows).toEqual([]);
    await request(t.http)
      .get(`/users-organizations/v1/rs/na/${admin.userId}/invitations`)
      .set(authHeaders(admin.tokens))
      .expect(200);
  });
});
