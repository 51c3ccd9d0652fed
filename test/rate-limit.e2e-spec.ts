import { Controller, ForbiddenException, HttpCode, Post, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse } from '@nestjs/swagger';
import { ErrorBody } from '../src/common/error-body.js';
import request from 'supertest';
import { Authenticated } from '../src/auth/auth.decorators.js';
import { ParseOptionalIdPipe } from '../src/common/parse-id.pipe.js';
import { RateLimited } from '../src/rate-limit/rate-limited.decorator.js';
import { MembershipsModule } from '../src/memberships/memberships.module.js';
import { AuthProbeController } from './utils/auth-probe.controller.js';
import { addMembership, authHeaders, createOrganization, createUser, tokensFor } from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

@Controller('probe-limited')
class LimitedProbeController {
  @Post()
  @HttpCode(200)
  @Authenticated()
  @RateLimited()
  @ApiOkResponse({ description: 'Counted' })
  @ApiForbiddenResponse({ description: 'Refused by the handler (refuse=yes)', type: ErrorBody })
  hit(
    @Query('organizationId', ParseOptionalIdPipe) organizationId: number | undefined,
    @Query('refuse') refuse?: string,
  ) {
    if (refuse === 'yes') {
      throw new ForbiddenException({ error: 'Refused by the handler', code: 'PROBE_REFUSED' });
    }
    return { organizationId: organizationId ?? null };
  }
}

describe('rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3',
        RATE_LIMIT_AUTH_BLOCK_SECONDS: '120',
        RATE_LIMIT_CALLER_PER_MINUTE: '4',
        RATE_LIMIT_ORGANIZATION_PER_MINUTE: '6',
      },
      { controllers: [AuthProbeController, LimitedProbeController], imports: [MembershipsModule] },
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After once an address fails authentication too often, and still lets valid credentials in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await request(t.http).get('/probe/me').set('authorization', 'Bearer not-a-jwt')).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await request(t.http).get('/probe/me').expect(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', error: expect.any(String) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(60);

    const userId = await createUser(t.dataSource);
    await request(t.http)
      .get('/probe/me')
      .set(authHeaders(await tokensFor(t.dataSource, t.config, userId)))
      .expect(200);
  });

  it('limits a caller per minute on a rate-limited route, and other callers are not affected', async () => {
    const [a, b] = [await createUser(t.dataSource), await createUser(t.dataSource)];
    const headersA = authHeaders(await tokensFor(t.dataSource, t.config, a));
    const headersB = authHeaders(await tokensFor(t.dataSource, t.config, b));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await request(t.http).post('/probe-limited').set(headersA)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const res = await request(t.http).post('/probe-limited').set(headersA).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await request(t.http).post('/probe-limited').set(headersB).expect(200);
  });

  it('gives back the budget of a request the handler refuses (403), before answering it', async () => {
    const headers = authHeaders(await tokensFor(t.dataSource, t.config, await createUser(t.dataSource)));
    const refused: number[] = [];
    for (let i = 0; i < 6; i++) {
      refused.push((await request(t.http).post('/probe-limited?refuse=yes').set(headers)).status);
    }
    expect(refused).toEqual([403, 403, 403, 403, 403, 403]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await request(t.http).post('/probe-limited').set(headers)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('limits an organization across its admins', async () => {
    const organizationId = await createOrganization(t.dataSource);
    const callers = await Promise.all([1, 2, 3, 4].map(() => createUser(t.dataSource)));
    const statuses: number[] = [];
    for (const userId of callers) {
      await addMembership(t.dataSource, { userId, organizationId, scope: 1 });
      const headers = authHeaders(await tokensFor(t.dataSource, t.config, userId));
      for (let i = 0; i < 2; i++) {
        statuses.push(
          (await request(t.http).post(`/probe-limited?organizationId=${organizationId}`).set(headers)).status,
        );
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.slice(6)).toEqual([429, 429]);
  });

  it("does not let callers who are not its admins spend an organization's budget", async () => {
    const organizationId = await createOrganization(t.dataSource);
    const strangers = await Promise.all([1, 2, 3, 4].map(() => createUser(t.dataSource)));
    for (const userId of strangers) {
      const headers = authHeaders(await tokensFor(t.dataSource, t.config, userId));
      for (let i = 0; i < 2; i++) {
        await request(t.http).post(`/probe-limited?organizationId=${organizationId}`).set(headers).expect(200);
      }
    }
    const adminId = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: adminId, organizationId, scope: 1 });
    const headers = authHeaders(await tokensFor(t.dataSource, t.config, adminId));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await request(t.http).post(`/probe-limited?organizationId=${organizationId}`).set(headers)).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
  });
});
