import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { revokeSession } from '../src/auth/session-tokens.js';
import { Scope } from '../src/memberships/membership.constants.js';
import { MembershipsModule } from '../src/memberships/memberships.module.js';
import { AuthProbeController } from './utils/auth-probe.controller.js';
import { addMembership, authHeaders, createOrganization, createUser, tokensFor } from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/**
 * The authentication matrix, against the real app (AppModule +
 * configureApp) with a test-only probe controller behind the same global guard. Every
 * rejection asserts the status, the `{ error, code }` body, that no token comes back, and that
 * nothing was written.
 */

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'users-organizations';
const OTHER_SECRET = 'an-attacker-secret-that-is-long-enough-0123456789';

type Headers = Record<string, string>;
type Claims = Record<string, unknown>;

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Drops the claims set to undefined, so a case can remove `exp`, `iat` or `sub`. */
function clean(claims: Claims): Claims {
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

/** A JWT assembled by hand, for headers and algorithms jsonwebtoken will not produce. */
function handMade(header: Claims, payload: Claims, sign: (input: string) => Buffer | string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = sign(input);
  return `${input}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`;
}

const hmac =
  (secret: string | Buffer, alg = 'sha256') =>
  (input: string) =>
    createHmac(alg, secret).update(input).digest();
/** `it.each` rows as [case, make, code], titled "%s ... %s" with the case and the code. */
const titled = <T>(rows: [string, T, string][]) =>
  rows.map(([name, make, code]): [string, string, T] => [name, code, make]);

const unsigned = (payload: Claims) => handMade({ alg: 'none', typ: 'JWT' }, payload, () => '');

/** Every table a request could write to, with digests of the rows auth reads. */
async function dbState(ds: DataSource): Promise<Record<string, unknown>> {
  const rows: Record<string, unknown>[] = await ds.query(`
    SELECT (SELECT count(*)::int FROM users) AS users,
           (SELECT count(*)::int FROM organizations) AS organizations,
           (SELECT count(*)::int FROM user_organizations) AS user_organizations,
           (SELECT count(*)::int FROM sessions) AS sessions,
           (SELECT count(*)::int FROM audit_events) AS audit_events,
           (SELECT count(*)::int FROM mail_outbox) AS mail_outbox,
           (SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY s.id), '')) FROM sessions s) AS sessions_digest,
           (SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY m.id), '')) FROM user_organizations m) AS memberships_digest`);
  return rows[0];
}

interface Caller {
  userId: number;
  sessionId: string;
  bearer: string;
  session: string;
  headers: Headers;
}

/** Helpers bound to one app (HS256 mode or JWKS mode). */
function harness(app: () => TestApp, signBearer: (claims: Claims) => string) {
  const ds = () => app().dataSource;

  async function insertSession(userId: number, options: { expiresAt?: Date; revoked?: boolean } = {}): Promise<string> {
    const id = randomBytes(18).toString('base64url');
    await ds().query(`INSERT INTO sessions (id, user_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4)`, [
      id,
      userId,
      options.expiresAt ?? new Date(Date.now() + 3600_000),
      options.revoked ? new Date() : null,
    ]);
    return id;
  }

  function bearerClaims(userId: number, claims: Claims = {}): Claims {
    return clean({
      sub: String(userId),
      roles: [],
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now(),
      exp: now() + 600,
      ...claims,
    });
  }

  /** Signs exactly the claims given (jsonwebtoken adds `iat` only when they have none). */
  function signSession(claims: Claims, secret = app().config.auth.sessionSecret): string {
    return jwt.sign(claims, secret, { algorithm: 'HS256', noTimestamp: !('iat' in claims) });
  }

  function sessionClaims(caller: { userId: number; sessionId: string }, claims: Claims = {}): Claims {
    return clean({ userId: caller.userId, sessionId: caller.sessionId, iat: now(), exp: now() + 600, ...claims });
  }

  async function newCaller(options: { roles?: string[]; organizationId?: number; userId?: number } = {}) {
    const userId = options.userId ?? (await createUser(ds()));
    const sessionId = await insertSession(userId);
    const bearer = signBearer(bearerClaims(userId, { roles: options.roles ?? [] }));
    const session = signSession(sessionClaims({ userId, sessionId }, { organizationId: options.organizationId }));
    const caller: Caller = {
      userId,
      sessionId,
      bearer,
      session,
      headers: { authorization: `Bearer ${bearer}`, 'x-session-token': session },
    };
    return caller;
  }

  function send(method: 'get' | 'post', path: string, headers: Headers) {
    let req = request(app().http)[method](path);
    for (const [name, value] of Object.entries(headers)) {
      req = req.set(name, value);
    }
    return req;
  }

  /** The request is refused with `status`/`code`, echoes no credential, and writes nothing. */
  async function expectRefused(
    headers: Headers,
    status: number,
    code: string,
    options: { method?: 'get' | 'post'; path?: string; extra?: Claims } = {},
  ) {
    const before = await dbState(ds());
    const res = await send(options.method ?? 'get', options.path ?? '/probe/me', headers);
    expect({ status: res.status, body: res.body }).toEqual({
      status,
      body: { error: expect.any(String), code, requestId: expect.any(String), ...options.extra },
    });
    for (const credential of Object.values(headers)) {
      for (const part of credential.replace(/^Bearer /, '').split('.')) {
        if (part.length >= 16) {
          expect(res.text).not.toContain(part);
          expect(JSON.stringify(res.headers)).not.toContain(part);
        }
      }
    }
    expect(await dbState(ds())).toEqual(before);
    return res;
  }

  async function expectAccepted(headers: Headers, options: { method?: 'get' | 'post'; path?: string } = {}) {
    const before = await dbState(ds());
    const res = await send(options.method ?? 'get', options.path ?? '/probe/me', headers);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: expect.any(Object) });
    expect(await dbState(ds())).toEqual(before);
    return res;
  }

  return { insertSession, bearerClaims, signSession, sessionClaims, newCaller, expectRefused, expectAccepted };
}

describe('authentication with an HS256 bearer (AUTH_JWT_SECRET)', () => {
  let t: TestApp;
  const bearerSecret = () => t.config.auth.bearerSecret!;
  const signBearer = (claims: Claims) => jwt.sign(claims, bearerSecret(), { algorithm: 'HS256' });
  const h = harness(() => t, signBearer);
  let alice: Caller;
  let bob: Caller;

  beforeAll(async () => {
    t = await createTestApp(
      { AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE },
      { controllers: [AuthProbeController], imports: [MembershipsModule] },
    );
    alice = await h.newCaller();
    bob = await h.newCaller();
  });
  afterAll(async () => {
    await t?.close();
  });

  const withBearer = (bearer: string) => ({ authorization: `Bearer ${bearer}`, 'x-session-token': alice.session });
  const withSession = (session: string) => ({ authorization: `Bearer ${alice.bearer}`, 'x-session-token': session });
  const aliceBearer = (claims: Claims) => withBearer(signBearer(h.bearerClaims(alice.userId, claims)));
  const aliceSession = (claims: Claims) => withSession(h.signSession(h.sessionClaims(alice, claims)));

  describe('accepted', () => {
    it('accepts the tokens `npm run token` issues and hands the route the caller', async () => {
      const organizationId = await createOrganization(t.dataSource);
      const tokens = await tokensFor(t.dataSource, t.config, alice.userId, { organizationId });
      const res = await h.expectAccepted(authHeaders(tokens));
      expect(res.body).toEqual({
        userId: alice.userId,
        sessionId: tokens.sessionId,
        roles: [],
        organizationId,
        isBackoffice: false,
      });
    });

    it('accepts a userId claim given as a decimal string, and no organizationId', async () => {
      const res = await h.expectAccepted(aliceSession({ userId: String(alice.userId) }));
      expect(res.body).toEqual({ userId: alice.userId, sessionId: alice.sessionId, roles: [], isBackoffice: false });
    });

    it('tolerates a few seconds of clock skew on iat and exp', async () => {
      await h.expectAccepted(aliceBearer({ iat: now() + 10 }));
      await h.expectAccepted(aliceBearer({ exp: now() - 10 }));
      await h.expectAccepted(aliceSession({ iat: now() + 10, exp: now() - 10 }));
    });
  });

  describe('the OpenAPI document', () => {
    it('requires both credentials together on @Authenticated and @Backoffice routes, none on health', async () => {
      const doc = await request(t.http).get('/openapi.json').expect(200);
      const both = [{ bearer: [], session: [] }];
      expect(doc.body.paths['/probe/me'].get.security).toEqual(both);
      expect(doc.body.paths['/probe/bo'].get.security).toEqual(both);
      expect(doc.body.paths['/probe/rs/{userId}/admin'].post.security).toEqual(both);
      expect(Object.keys(doc.body.paths['/probe/bo'].get.responses)).toEqual(expect.arrayContaining(['401', '403']));
      expect(Object.keys(doc.body.paths['/probe/me'].get.responses)).toEqual(expect.arrayContaining(['401']));
      expect(Object.keys(doc.body.paths['/probe/me'].get.responses)).not.toContain('403');
      expect(doc.body.paths['/health/live'].get.security).toBeUndefined();
    });
  });

  describe('missing or malformed credentials', () => {
    it.each(
      titled<() => Headers>([
        ['no credentials at all', () => ({}), 'BEARER_MISSING'],
        ['only the bearer token', () => ({ authorization: `Bearer ${alice.bearer}` }), 'SESSION_MISSING'],
        ['only the session token', () => ({ 'x-session-token': alice.session }), 'BEARER_MISSING'],
        ['an empty session header', () => withSession(''), 'SESSION_MISSING'],
        [
          'a Basic Authorization header',
          () => ({ ...withBearer(''), authorization: 'Basic dXNlcjpwYXNz' }),
          'BEARER_MISSING',
        ],
        ['a bearer that is not a JWT', () => withBearer('not-a-jwt'), 'BEARER_MALFORMED'],
        ['a session token that is not a JWT', () => withSession('not-a-jwt'), 'SESSION_MALFORMED'],
      ]),
    )('refuses %s with 401 %s', async (_case, code, headers) => {
      await h.expectRefused(headers(), 401, code);
    });
  });

  describe('the bearer token', () => {
    it.each(
      titled<() => Headers>([
        [
          'signed with another secret',
          () => withBearer(jwt.sign(h.bearerClaims(alice.userId), OTHER_SECRET, { algorithm: 'HS256' })),
          'BEARER_INVALID',
        ],
        ['that has expired', () => aliceBearer({ exp: now() - 120 }), 'BEARER_EXPIRED'],
        ['without exp', () => aliceBearer({ exp: undefined }), 'BEARER_INVALID'],
        ['expiring beyond AUTH_MAX_TOKEN_LIFETIME', () => aliceBearer({ exp: now() + 2 * 86400 }), 'BEARER_INVALID'],
        ['issued in the future (iat)', () => aliceBearer({ iat: now() + 3600, exp: now() + 4000 }), 'BEARER_INVALID'],
        ['not valid yet (nbf)', () => aliceBearer({ nbf: now() + 3600 }), 'BEARER_INVALID'],
        ['with alg none', () => withBearer(unsigned(h.bearerClaims(alice.userId))), 'BEARER_INVALID'],
        [
          'with alg none and a trailing signature',
          () => withBearer(handMade({ alg: 'none' }, h.bearerClaims(alice.userId), hmac(bearerSecret()))),
          'BEARER_INVALID',
        ],
        [
          'signed HS512 with the right secret (not a pinned algorithm)',
          () => withBearer(jwt.sign(h.bearerClaims(alice.userId), bearerSecret(), { algorithm: 'HS512' })),
          'BEARER_INVALID',
        ],
        [
          'signed RS256 with a key of its own',
          () =>
            withBearer(
              jwt.sign(h.bearerClaims(alice.userId), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, {
                algorithm: 'RS256',
              }),
            ),
          'BEARER_INVALID',
        ],
        ['with a wrong issuer', () => aliceBearer({ iss: 'https://evil.example/' }), 'BEARER_INVALID'],
        ['without an issuer', () => aliceBearer({ iss: undefined }), 'BEARER_INVALID'],
        ['with a wrong audience', () => aliceBearer({ aud: 'another-service' }), 'BEARER_INVALID'],
        ['without an audience', () => aliceBearer({ aud: undefined }), 'BEARER_INVALID'],
        ['without sub', () => aliceBearer({ sub: undefined }), 'BEARER_INVALID'],
        ['with sub "abc"', () => aliceBearer({ sub: 'abc' }), 'BEARER_INVALID'],
        ['with sub "1e3"', () => aliceBearer({ sub: '1e3' }), 'BEARER_INVALID'],
        ['with sub "+5"', () => aliceBearer({ sub: `+${alice.userId}` }), 'BEARER_INVALID'],
        ['with sub " 7"', () => aliceBearer({ sub: ` ${alice.userId}` }), 'BEARER_INVALID'],
        ['with sub "5.0"', () => aliceBearer({ sub: `${alice.userId}.0` }), 'BEARER_INVALID'],
        ['with sub beyond 2^53', () => aliceBearer({ sub: '9007199254740993' }), 'BEARER_INVALID'],
        ['with a numeric sub', () => aliceBearer({ sub: alice.userId }), 'BEARER_INVALID'],
        [
          'signed with the session secret',
          () => withBearer(jwt.sign(h.bearerClaims(alice.userId), t.config.auth.sessionSecret, { algorithm: 'HS256' })),
          'BEARER_INVALID',
        ],
      ]),
    )('refuses a bearer %s with 401 %s', async (_case, code, headers) => {
      await h.expectRefused(headers(), 401, code);
    });
  });

  describe('the session token', () => {
    it.each(
      titled<() => Headers>([
        [
          'signed with another secret',
          () => withSession(h.signSession(h.sessionClaims(alice), OTHER_SECRET)),
          'SESSION_INVALID',
        ],
        [
          'signed with the bearer secret',
          () => withSession(h.signSession(h.sessionClaims(alice), bearerSecret())),
          'SESSION_INVALID',
        ],
        ['that has expired', () => aliceSession({ exp: now() - 120 }), 'SESSION_EXPIRED'],
        ['without exp', () => aliceSession({ exp: undefined }), 'SESSION_INVALID'],
        ['without iat', () => aliceSession({ iat: undefined }), 'SESSION_INVALID'],
        ['expiring beyond AUTH_MAX_TOKEN_LIFETIME', () => aliceSession({ exp: now() + 2 * 86400 }), 'SESSION_INVALID'],
        ['issued in the future (iat)', () => aliceSession({ iat: now() + 3600, exp: now() + 4000 }), 'SESSION_INVALID'],
        ['with alg none', () => withSession(unsigned(h.sessionClaims(alice))), 'SESSION_INVALID'],
        [
          'signed HS384 with the right secret',
          () => withSession(jwt.sign(h.sessionClaims(alice), t.config.auth.sessionSecret, { algorithm: 'HS384' })),
          'SESSION_INVALID',
        ],
        ['without sessionId', () => aliceSession({ sessionId: undefined }), 'SESSION_INVALID'],
        ['with a numeric sessionId', () => aliceSession({ sessionId: 12 }), 'SESSION_INVALID'],
        ['with userId "1e3"', () => aliceSession({ userId: '1e3' }), 'SESSION_INVALID'],
        ['with a fractional userId', () => aliceSession({ userId: alice.userId + 0.5 }), 'SESSION_INVALID'],
        ['with organizationId "x"', () => aliceSession({ organizationId: 'x' }), 'SESSION_INVALID'],
      ]),
    )('refuses a session token %s with 401 %s', async (_case, code, headers) => {
      await h.expectRefused(headers(), 401, code);
    });

    it('refuses the two tokens swapped between the headers', async () => {
      await h.expectRefused(
        { authorization: `Bearer ${alice.session}`, 'x-session-token': alice.bearer },
        401,
        'BEARER_INVALID',
      );
      await h.expectRefused(
        { authorization: `Bearer ${alice.session}`, 'x-session-token': alice.session },
        401,
        'BEARER_INVALID',
      );
      await h.expectRefused(
        { authorization: `Bearer ${alice.bearer}`, 'x-session-token': alice.bearer },
        401,
        'SESSION_INVALID',
      );
    });
  });

  describe('the session row', () => {
    it('refuses an unknown session id with 401 SESSION_UNKNOWN', async () => {
      await h.expectRefused(aliceSession({ sessionId: randomBytes(18).toString('base64url') }), 401, 'SESSION_UNKNOWN');
    });

    it('refuses a revoked session with 401 SESSION_REVOKED', async () => {
      const sessionId = await h.insertSession(alice.userId, { revoked: true });
      await h.expectRefused(aliceSession({ sessionId }), 401, 'SESSION_REVOKED');
    });

    it('refuses a session row past expires_at with 401 SESSION_EXPIRED, even with a live token', async () => {
      const sessionId = await h.insertSession(alice.userId, { expiresAt: new Date(Date.now() - 1000) });
      await h.expectRefused(aliceSession({ sessionId }), 401, 'SESSION_EXPIRED');
    });

    it("refuses another user's session (its token and row name bob) with 401 SESSION_MISMATCH", async () => {
      await h.expectRefused(withSession(bob.session), 401, 'SESSION_MISMATCH');
    });

    it("refuses a token naming alice whose row is bob's with 401 SESSION_UNKNOWN", async () => {
      await h.expectRefused(aliceSession({ sessionId: bob.sessionId }), 401, 'SESSION_UNKNOWN');
    });

    it('refuses a revoked session on the very next request, and only that session', async () => {
      const first = await h.newCaller();
      const second = await h.newCaller({ userId: first.userId });
      await h.expectAccepted(first.headers);
      expect(await revokeSession(t.dataSource, first.sessionId)).toBe(true);
      await h.expectRefused(first.headers, 401, 'SESSION_REVOKED');
      await h.expectAccepted(second.headers);
      expect(await revokeSession(t.dataSource, first.sessionId)).toBe(false);
    });
  });

  describe('the backoffice role', () => {
    it('refuses a bo route without credentials with 401, not 403', async () => {
      await h.expectRefused({}, 401, 'BEARER_MISSING', { path: '/probe/bo' });
    });

    it('refuses a bo route to a caller without the role with 403 BACKOFFICE_ROLE_REQUIRED', async () => {
      await h.expectRefused(alice.headers, 403, 'BACKOFFICE_ROLE_REQUIRED', { path: '/probe/bo' });
      await h.expectRefused(aliceBearer({ roles: 'backoffice' }), 403, 'BACKOFFICE_ROLE_REQUIRED', {
        path: '/probe/bo',
      });
      await h.expectRefused(aliceBearer({ roles: ['Backoffice', 'admin'] }), 403, 'BACKOFFICE_ROLE_REQUIRED', {
        path: '/probe/bo',
      });
    });

    it('lets a caller with the role in', async () => {
      const res = await h.expectAccepted(aliceBearer({ roles: ['staff', 'backoffice', 42] }), { path: '/probe/bo' });
      expect(res.body).toMatchObject({ userId: alice.userId, roles: ['staff', 'backoffice'], isBackoffice: true });
    });
  });

  describe('the organization admin policy (rs routes)', () => {
    const adminPath = (userId: number, organizationId?: number | string) =>
      `/probe/rs/${userId}/admin${organizationId === undefined ? '' : `?organizationId=${organizationId}`}`;
    const refused = (caller: Caller, status: number, code: string, organizationId?: number | string, extra?: Claims) =>
      h.expectRefused(caller.headers, status, code, {
        method: 'post',
        path: adminPath(caller.userId, organizationId),
        extra,
      });
    const resolves = async (caller: Caller, expected: number, organizationId?: number) => {
      const res = await h.expectAccepted(caller.headers, {
        method: 'post',
        path: adminPath(caller.userId, organizationId),
      });
      expect(res.body).toEqual({ organizationId: expected });
    };

    let org: number;
    let otherOrg: number;
    let admin: Caller;

    beforeAll(async () => {
      org = await createOrganization(t.dataSource);
      otherOrg = await createOrganization(t.dataSource);
      admin = await h.newCaller();
      await addMembership(t.dataSource, { userId: admin.userId, organizationId: org, scope: Scope.ADMIN });
    });

    it('resolves the only organization an active admin administers', async () => {
      await resolves(admin, org);
      await resolves(admin, org, org);
    });

    it('refuses a member (scope 2) with 403 NOT_ORGANIZATION_ADMIN', async () => {
      const member = await h.newCaller();
      await addMembership(t.dataSource, { userId: member.userId, organizationId: org, scope: Scope.MEMBER });
      await refused(member, 403, 'NOT_ORGANIZATION_ADMIN');
      await refused(member, 403, 'NOT_ORGANIZATION_ADMIN', org);
    });

    it('refuses an invited admin with 403 NOT_ORGANIZATION_ADMIN', async () => {
      const invited = await h.newCaller();
      await addMembership(t.dataSource, {
        userId: invited.userId,
        organizationId: org,
        scope: Scope.ADMIN,
        status: 'invited',
      });
      await refused(invited, 403, 'NOT_ORGANIZATION_ADMIN');
      await refused(invited, 403, 'NOT_ORGANIZATION_ADMIN', org);
    });

    it('refuses a removed (soft-deleted) admin with 403 NOT_ORGANIZATION_ADMIN', async () => {
      const removed = await h.newCaller();
      await addMembership(t.dataSource, {
        userId: removed.userId,
        organizationId: org,
        scope: Scope.ADMIN,
        deleted: true,
      });
      await refused(removed, 403, 'NOT_ORGANIZATION_ADMIN');
      await refused(removed, 403, 'NOT_ORGANIZATION_ADMIN', org);
    });

    it('refuses an admin of a soft-deleted organization with 403 NOT_ORGANIZATION_ADMIN', async () => {
      const gone = await createOrganization(t.dataSource);
      const caller = await h.newCaller();
      await addMembership(t.dataSource, { userId: caller.userId, organizationId: gone, scope: Scope.ADMIN });
      await t.dataSource.query(`UPDATE organizations SET deleted_at = now() WHERE id = $1`, [gone]);
      await refused(caller, 403, 'NOT_ORGANIZATION_ADMIN');
      await refused(caller, 403, 'NOT_ORGANIZATION_ADMIN', gone);
    });

    it('refuses a stranger with 403 NOT_ORGANIZATION_ADMIN', async () => {
      const stranger = await h.newCaller();
      await refused(stranger, 403, 'NOT_ORGANIZATION_ADMIN');
      await refused(stranger, 403, 'NOT_ORGANIZATION_ADMIN', org);
      await refused(stranger, 403, 'NOT_ORGANIZATION_ADMIN', 987654321);
    });

    it('refuses a path userId that is not the caller with 403 NOT_THE_CALLER', async () => {
      const other = await h.newCaller();
      await addMembership(t.dataSource, { userId: other.userId, organizationId: org, scope: Scope.ADMIN });
      await h.expectRefused(admin.headers, 403, 'NOT_THE_CALLER', { method: 'post', path: adminPath(other.userId) });
      await h.expectRefused(admin.headers, 403, 'NOT_THE_CALLER', {
        method: 'post',
        path: adminPath(other.userId, org),
      });
    });

    it('refuses an admin of one organization naming another with 403 NOT_ORGANIZATION_ADMIN', async () => {
      await refused(admin, 403, 'NOT_ORGANIZATION_ADMIN', otherOrg);
      const scoped = await h.newCaller({ userId: admin.userId, organizationId: otherOrg });
      await refused(scoped, 403, 'NOT_ORGANIZATION_ADMIN');
    });

    it('asks an admin of two organizations to choose, with 400 naming the count', async () => {
      const twoOrgs = await h.newCaller();
      await addMembership(t.dataSource, { userId: twoOrgs.userId, organizationId: org, scope: Scope.ADMIN });
      await addMembership(t.dataSource, { userId: twoOrgs.userId, organizationId: otherOrg, scope: Scope.ADMIN });
      const res = await refused(twoOrgs, 400, 'ORGANIZATION_REQUIRED', undefined, { choices: 2 });
      expect(res.body.error).toMatch(/\b2 organizations\b.*organizationId/);
      await resolves(twoOrgs, otherOrg, otherOrg);

      // The session token's organizationId chooses when no query parameter does; the query wins over it.
      const inOther = await h.newCaller({ userId: twoOrgs.userId, organizationId: otherOrg });
      await resolves(inOther, otherOrg);
      await resolves(inOther, org, org);
    });

    it('refuses a malformed organizationId or path userId with 400, after authentication', async () => {
      await refused(admin, 400, 'VALIDATION_FAILED', '1e3', {
        details: [expect.objectContaining({ path: 'query.organizationId' })],
      });
      await h.expectRefused(admin.headers, 400, 'VALIDATION_FAILED', {
        method: 'post',
        path: '/probe/rs/+5/admin',
        extra: { details: [expect.objectContaining({ path: 'path.userId' })] },
      });
      await h.expectRefused({}, 401, 'BEARER_MISSING', { method: 'post', path: '/probe/rs/1e3/admin' });
    });
  });
});

interface KeyServer {
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}

async function serveJson(body: () => unknown): Promise<KeyServer> {
  let hits = 0;
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    hits += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    hits: () => hits,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

function publicJwk(privateKey: KeyObject, kid: string, alg: string): Claims {
  return { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

describe('authentication with a JWKS (AUTH_JWKS_URI, RS256/ES256)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const servedKeys: Claims[] = [publicJwk(rsa.privateKey, 'rsa-1', 'RS256'), publicJwk(ec.privateKey, 'ec-1', 'ES256')];

  let jwks: KeyServer;
  let evil: KeyServer;
  let t: TestApp;
  let caller: Caller;

  const sign = (claims: Claims, key: KeyObject, algorithm: jwt.Algorithm, kid: string, header: Claims = {}) =>
    jwt.sign(claims, key, { algorithm, keyid: kid, header: { alg: algorithm, kid, ...header } });
  const h = harness(
    () => t,
    (claims) => sign(claims, rsa.privateKey, 'RS256', 'rsa-1'),
  );
  const withBearer = (bearer: string) => ({ authorization: `Bearer ${bearer}`, 'x-session-token': caller.session });
  const claims = (extra: Claims = {}) => h.bearerClaims(caller.userId, extra);

  beforeAll(async () => {
    jwks = await serveJson(() => ({ keys: servedKeys }));
    evil = await serveJson(() => ({ keys: [publicJwk(attacker.privateKey, 'attacker-1', 'RS256')] }));
    t = await createTestApp(
      { AUTH_JWKS_URI: jwks.url, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE },
      { controllers: [AuthProbeController], imports: [MembershipsModule] },
    );
    caller = await h.newCaller();
  });
  afterAll(async () => {
    await t?.close();
    await jwks?.close();
    await evil?.close();
  });

  it('has no bearer secret, so an HS256 token can never verify', () => {
    expect(t.config.auth.bearerSecret).toBeUndefined();
  });

  it('accepts RS256 and ES256 tokens signed by keys the JWKS serves', async () => {
    const rs = await h.expectAccepted(withBearer(sign(claims(), rsa.privateKey, 'RS256', 'rsa-1')));
    expect(rs.body).toMatchObject({ userId: caller.userId, sessionId: caller.sessionId });
    await h.expectAccepted(withBearer(sign(claims(), ec.privateKey, 'ES256', 'ec-1')));
  });

  it('caches the keys: known kids do not refetch the JWKS', async () => {
    const before = jwks.hits();
    await h.expectAccepted(withBearer(sign(claims(), rsa.privateKey, 'RS256', 'rsa-1')));
    await h.expectAccepted(withBearer(sign(claims(), ec.privateKey, 'ES256', 'ec-1')));
    expect(jwks.hits()).toBe(before);
  });

  it('refetches the JWKS on an unknown kid, so a rotated key is picked up', async () => {
    const token = () => withBearer(sign(claims(), rotated.privateKey, 'RS256', 'rsa-2'));
    const before = jwks.hits();
    await h.expectRefused(token(), 401, 'BEARER_INVALID');
    expect(jwks.hits()).toBe(before + 1);
    servedKeys.push(publicJwk(rotated.privateKey, 'rsa-2', 'RS256'));
    await h.expectAccepted(token());
    expect(jwks.hits()).toBe(before + 2);
  });

  it.each(
    titled<() => string>([
      [
        'HS256 signed with the development bearer secret',
        () => jwt.sign(claims(), 'dev-only-bearer-secret-change-me-0123456789', { algorithm: 'HS256' }),
        'BEARER_INVALID',
      ],
      [
        'HS256 signed with the served RSA public key as HMAC secret (key confusion)',
        () =>
          handMade(
            { alg: 'HS256', typ: 'JWT', kid: 'rsa-1' },
            claims(),
            hmac(rsa.publicKey.export({ format: 'pem', type: 'spki' })),
          ),
        'BEARER_INVALID',
      ],
      [
        'with alg none and a served kid',
        () => handMade({ alg: 'none', kid: 'rsa-1' }, claims(), () => ''),
        'BEARER_INVALID',
      ],
      [
        'RS384 by a served key (not a pinned algorithm)',
        () => sign(claims(), rsa.privateKey, 'RS384', 'rsa-1'),
        'BEARER_INVALID',
      ],
      [
        'PS256 by a served key (not a pinned algorithm)',
        () => sign(claims(), rsa.privateKey, 'PS256', 'rsa-1'),
        'BEARER_INVALID',
      ],
      ['ES256 whose kid names the RSA key', () => sign(claims(), ec.privateKey, 'ES256', 'rsa-1'), 'BEARER_INVALID'],
      [
        'signed by another key under a served kid',
        () => sign(claims(), attacker.privateKey, 'RS256', 'rsa-1'),
        'BEARER_INVALID',
      ],
      [
        'carrying its own key in a jwk header under a served kid',
        () =>
          sign(claims(), attacker.privateKey, 'RS256', 'rsa-1', {
            jwk: publicJwk(attacker.privateKey, 'rsa-1', 'RS256'),
          }),
        'BEARER_INVALID',
      ],
      [
        'that has expired',
        () => sign(claims({ exp: now() - 120 }), rsa.privateKey, 'RS256', 'rsa-1'),
        'BEARER_EXPIRED',
      ],
      ['without exp', () => sign(claims({ exp: undefined }), rsa.privateKey, 'RS256', 'rsa-1'), 'BEARER_INVALID'],
      [
        'with a wrong issuer',
        () => sign(claims({ iss: 'https://evil.example/' }), rsa.privateKey, 'RS256', 'rsa-1'),
        'BEARER_INVALID',
      ],
      [
        'with a wrong audience',
        () => sign(claims({ aud: 'other' }), rsa.privateKey, 'RS256', 'rsa-1'),
        'BEARER_INVALID',
      ],
      ['with sub "abc"', () => sign(claims({ sub: 'abc' }), rsa.privateKey, 'RS256', 'rsa-1'), 'BEARER_INVALID'],
    ]),
  )('refuses a bearer %s with 401 %s', async (_case, code, token) => {
    await h.expectRefused(withBearer(token()), 401, code);
  });

  it('never follows a jku or x5u header: keys come only from AUTH_JWKS_URI', async () => {
    const evilHits = evil.hits();
    for (const header of [{ jku: evil.url }, { x5u: evil.url }]) {
      await h.expectRefused(
        withBearer(sign(claims(), attacker.privateKey, 'RS256', 'attacker-1', header)),
        401,
        'BEARER_INVALID',
      );
    }
    // A served key still verifies a token that names the attacker's JWKS: jku is ignored, not obeyed.
    await h.expectAccepted(withBearer(sign(claims(), rsa.privateKey, 'RS256', 'rsa-1', { jku: evil.url })));
    expect(evil.hits()).toBe(evilHits);
  });

  it('keeps its own verification when another app starts in the same process', async () => {
    const other = await createTestApp(
      { AUTH_JWT_SECRET: OTHER_SECRET, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE },
      { controllers: [AuthProbeController], imports: [MembershipsModule] },
    );
    try {
      await h.expectAccepted(withBearer(sign(claims(), rsa.privateKey, 'RS256', 'rsa-1')));
      await h.expectRefused(
        withBearer(jwt.sign(claims(), OTHER_SECRET, { algorithm: 'HS256' })),
        401,
        'BEARER_INVALID',
      );
      const tokens = await tokensFor(other.dataSource, other.config, await createUser(other.dataSource));
      await request(other.http).get('/probe/me').set(authHeaders(tokens)).expect(200);
    } finally {
      await other.close();
    }
  });
});
