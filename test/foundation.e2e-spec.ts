import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { addMembership, countRows, createOrganization, createUser } from './utils/fixtures.js';

describe('foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('health and docs', () => {
    it('answers /health/live and /health/ready with 200 without credentials', async () => {
      await request(t.http).get('/health/live').expect(200, { status: 'ok' });
      const ready = await request(t.http).get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    });

    it('serves Swagger UI at /docs and the document at /openapi.json with both security schemes', async () => {
      await request(t.http).get('/docs').expect(200).expect('content-type', /html/);
      const doc = await request(t.http).get('/openapi.json').expect(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.components.securitySchemes).sort()).toEqual(['bearer', 'session']);
      expect(doc.body.components.securitySchemes.session).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: 'x-session-token',
      });
      expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    });
  });

  describe('every response', () => {
    it('echoes a plain x-request-id and generates one otherwise', async () => {
      const echoed = await request(t.http).get('/health/live').set('x-request-id', 'abc-123').expect(200);
      expect(echoed.headers['x-request-id']).toBe('abc-123');
      const generated = await request(t.http)
        .get('/health/live')
        .set('x-request-id', 'bad id\twith spaces')
        .expect(200);
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('does not say it is Express', async () => {
      const res = await request(t.http).get('/health/live').expect(200);
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('answers an unknown route with 404 and the error body', async () => {
      const res = await request(t.http).get('/nope').set('x-request-id', 'r-404').expect(404);
      expect(res.body).toMatchObject({ error: expect.any(String), code: 'NOT_FOUND', requestId: 'r-404' });
    });
  });

  describe('request bodies', () => {
    it('rejects a body that is not application/json with 415', async () => {
      const res = await request(t.http)
        .post('/users-organizations/v1/users/invite')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('email=a@b.co')
        .expect(415);
      expect(res.body).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        error: expect.any(String),
        requestId: expect.any(String),
      });
    });

    it('rejects malformed JSON with 400 without echoing the parser message', async () => {
      const res = await request(t.http)
        .post('/users-organizations/v1/users/invite')
        .set('content-type', 'application/json')
        .send('{"email": "a@b.co",,}')
        .expect(400);
      expect(res.body).toEqual({
        error: 'The request body is not valid JSON',
        code: 'MALFORMED_JSON',
        requestId: expect.any(String),
      });
    });

    it('rejects a body over 16 KiB with 413', async () => {
      const res = await request(t.http)
        .post('/users-organizations/v1/users/invite')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ email: 'x'.repeat(17 * 1024) }))
        .expect(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('rejects a 3000-deep body with 400, not 500', async () => {
      const deep = '['.repeat(3000) + ']'.repeat(3000);
      const res = await request(t.http)
        .post('/users-organizations/v1/users/invite')
        .set('content-type', 'application/json')
        .send(`{"email":${deep}}`)
        .expect(400);
      expect(res.body.code).toBe('BODY_TOO_DEEP');
    });

    it('rejects a body that repeats a key with 400 naming it', async () => {
      const res = await request(t.http)
        .post('/users-organizations/v1/users/invite')
        .set('content-type', 'application/json')
        .send('{"email":"a@example.com","email":"b@example.com"}')
        .expect(400);
      expect(res.body).toMatchObject({ code: 'DUPLICATE_KEY', details: [{ path: 'email' }] });
    });

    it.each(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'])(
      'rejects a %s key as the unknown field it is (the validation pipe would drop it silently)',
      async (key) => {
        const res = await request(t.http)
          .post('/users-organizations/v1/users/invite')
          .set('content-type', 'application/json')
          .send(`{"email":"a@example.com","permissions":{"${key}":{"admin":true}}}`)
          .expect(400);
        expect(res.body).toMatchObject({
          code: 'VALIDATION_FAILED',
          details: [{ path: `permissions.${key}`, message: `property ${key} should not exist` }],
        });
      },
    );
  });

  describe('schema', () => {
    it('keeps at most one live membership per user and organization under concurrent inserts', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => addMembership(t.dataSource, { userId, organizationId })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(
        await countRows(t.dataSource, 'user_organizations', 'user_id = $1 AND organization_id = $2', [
          userId,
          organizationId,
        ]),
      ).toBe(1);
    });

    it('lets a new live membership stand beside a soft-deleted one', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      await addMembership(t.dataSource, { userId, organizationId, deleted: true });
      await addMembership(t.dataSource, { userId, organizationId });
      expect(
        await countRows(t.dataSource, 'user_organizations', 'user_id = $1 AND organization_id = $2', [
          userId,
          organizationId,
        ]),
      ).toBe(2);
    });

    it('refuses a second live user with the same email in another case', async () => {
      await createUser(t.dataSource, 'Case.Test@Example.com');
      await expect(createUser(t.dataSource, 'case.test@example.COM')).rejects.toMatchObject({
        driverError: { code: '23505' },
      });
    });

    it('refuses scopes other than 1 and 2 and unknown statuses', async () => {
      const userId = await createUser(t.dataSource);
      const organizationId = await createOrganization(t.dataSource);
      await expect(addMembership(t.dataSource, { userId, organizationId, scope: 3 as never })).rejects.toMatchObject({
        driverError: { code: '23514' },
      });
      await expect(
        addMembership(t.dataSource, { userId, organizationId, status: 'pending' as never }),
      ).rejects.toMatchObject({ driverError: { code: '23514' } });
    });

    it('keeps the audit trail append-only', async () => {
      await t.dataSource.query(`INSERT INTO audit_events (action) VALUES ('test')`);
      await expect(t.dataSource.query(`UPDATE audit_events SET action = 'changed'`)).rejects.toThrow(/append-only/);
      await expect(t.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    });
  });
});
