import fc from 'fast-check';
import { revokeSession } from '../../src/auth/session-tokens.js';
import { Scope } from '../../src/memberships/membership.constants.js';
import { addMembership, createOrganization, createUser } from '../utils/fixtures.js';
import { abuseVariants, handMade, type Headers, type Identity } from './utils/forged-tokens.js';
import { recordFigure } from './utils/figures.js';
import { answer, jsonOf, type Outcome } from './utils/http.js';
import { changedTables, fingerprinter, inProcessApp, queryOf, tokensOf, type InProcessApp } from './utils/world.js';

/**
 * Auth abuse in volume: every forged, tampered, expired, unsigned, swapped or garbage
 * credential in the catalogue, plus generated mutations of valid tokens, against several real
 * routes. Not one may get past the guard (401 every time), and nothing may be written.
 */

const V1 = '/users-organizations/v1';
const SECTION = 'Auth abuse';

describe('auth abuse', () => {
  let app: InProcessApp;
  let admin: Identity;
  let backoffice: Identity;
  let other: Identity;
  let revoked: string;
  let expiredRow: string;
  let organizationId: number;
  let memberId: number;
  let strangerId: number;
  let fingerprint: () => Promise<Record<string, string>>;
  const secrets = () => ({ bearer: app.t.config.auth.bearerSecret!, session: app.t.config.auth.sessionSecret });

  const identity = async (userId: number, bo = false): Promise<Identity> => {
    const tokens = await tokensOf(app.t.dataSource, app.t.config, userId, bo);
    return {
      userId,
      sessionId: tokens.sessionId,
      bearer: tokens.bearer,
      session: tokens.session,
      roles: bo ? ['backoffice'] : [],
    };
  };

  beforeAll(async () => {
    app = await inProcessApp();
    const ds = app.t.dataSource;
    organizationId = await createOrganization(ds);
    const adminId = await createUser(ds);
    memberId = await createUser(ds);
    strangerId = await createUser(ds);
    await addMembership(ds, { userId: adminId, organizationId, scope: Scope.ADMIN });
    await addMembership(ds, { userId: memberId, organizationId, scope: Scope.MEMBER });
    admin = await identity(adminId);
    backoffice = await identity(await createUser(ds), true);
    other = await identity(await createUser(ds));
    const r = await tokensOf(ds, app.t.config, adminId);
    await revokeSession(ds, r.sessionId);
    revoked = r.session;
    const e = await tokensOf(ds, app.t.config, adminId);
    await ds.query(`UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE id = $1`, [e.sessionId]);
    expiredRow = e.session;
    fingerprint = await fingerprinter(queryOf(ds));
  });
  afterAll(async () => {
    await app?.close();
  });

  interface Route {
    name: string;
    method: string;
    path: string;
    as: Identity;
    body?: Record<string, unknown>;
  }

  /** The routes tried, each with the identity whose real credentials would pass it. */
  const routes = (): Route[] => [
    { name: 'list members', method: 'GET', path: `${V1}/rs/na/${admin.userId}/members`, as: admin },
    {
      name: 'change a member',
      method: 'PATCH',
      path: `${V1}/rs/na/${admin.userId}/members/${memberId}`,
      as: admin,
      body: { scope: 1 },
    },
    { name: 'remove a member', method: 'DELETE', path: `${V1}/rs/na/${admin.userId}/members/${memberId}`, as: admin },
    {
      name: 'leave',
      method: 'DELETE',
      path: `${V1}/rs/na/${admin.userId}/organizations/${organizationId}/membership`,
      as: admin,
    },
    {
      name: 'invite (rs)',
      method: 'POST',
      path: `${V1}/rs/na/${admin.userId}/invite`,
      as: admin,
      body: { email: 'abuse.invitee@example.com', scope: 2, permissions: { group: 0, read: [], manage: [] } },
    },
    {
      name: 'invite (users)',
      method: 'POST',
      path: `${V1}/users/invite`,
      as: admin,
      body: { email: 'abuse.invitee2@example.com', roleId: 'member' },
    },
    {
      name: 'bo register',
      method: 'POST',
      path: `${V1}/bo/users/register/${strangerId}/organizations/${organizationId}`,
      as: backoffice,
      body: { scope: 1, permissions: { group: 0, read: [], manage: [] } },
    },
    {
      name: 'bo change',
      method: 'PATCH',
      path: `${V1}/bo/users/${memberId}/organizations/${organizationId}`,
      as: backoffice,
      body: { scope: 1 },
    },
    { name: 'bo audit trail', method: 'GET', path: `${V1}/bo/audit-events`, as: backoffice },
  ];

  const call = (route: Route, headers: Headers) =>
    answer(app.url, route.path, {
      method: route.method,
      headers: { ...headers, ...(route.body ? { 'content-type': 'application/json' } : {}) },
      body: route.body ? JSON.stringify(route.body) : undefined,
    });

  /** An abuse is refused when it gets 401 with an error body that echoes no credential. */
  const refused = (outcome: Outcome & { kind: 'answer' }, headers: Headers) => {
    const body = jsonOf(outcome);
    const echoed = Object.values(headers).some(
      (h) => h.length > 20 && outcome.text.includes(h.replace(/^Bearer /, '')),
    );
    return outcome.status === 401 && typeof body?.error === 'string' && !echoed;
  };

  let tried = 0;
  const accepted: string[] = [];

  it('lets the real credentials through (the control: the routes work)', async () => {
    for (const route of routes().filter((r) => r.method === 'GET')) {
      const res = await call(route, {
        authorization: `Bearer ${route.as.bearer}`,
        'x-session-token': route.as.session,
      });
      expect(res.status).toBe(200);
    }
  });

  it('refuses every catalogued abuse on every route with 401', async () => {
    const before = await fingerprint();
    for (const route of routes()) {
      const victim = route.as;
      for (const variant of abuseVariants(victim, other, secrets(), { revoked, expiredRow })) {
        const res = await call(route, variant.headers);
        tried++;
        if (!refused(res, variant.headers)) {
          accepted.push(`${route.name}: ${variant.name} → ${res.status}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    expect(changedTables(before, await fingerprint())).toEqual([]);
  });

  it('refuses generated mutations of valid tokens and generated garbage with 401', async () => {
    const before = await fingerprint();
    const printable = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 300,
    });
    const mutation = fc.oneof(
      // one character of a real token changed
      fc.record({
        kind: fc.constant('flip'),
        which: fc.constantFrom('bearer', 'session'),
        at: fc.nat(),
        to: fc.integer({ min: 0x21, max: 0x7e }),
      }),
      // a segment of a real token replaced by generated text
      fc.record({
        kind: fc.constant('segment'),
        which: fc.constantFrom('bearer', 'session'),
        at: fc.integer({ min: 0, max: 2 }),
        text: printable,
      }),
      // generated garbage in either header
      fc.record({ kind: fc.constant('garbage'), which: fc.constantFrom('bearer', 'session'), text: printable }),
      // generated claims signed with a generated secret
      fc.record({
        kind: fc.constant('forged'),
        which: fc.constantFrom('bearer', 'session'),
        secret: fc.string({ minLength: 1, maxLength: 64 }),
        claims: fc.dictionary(
          fc.constantFrom('sub', 'userId', 'sessionId', 'roles', 'exp', 'iat', 'organizationId'),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: routes().length - 1 }), mutation, async (routeIndex, m) => {
        const route = routes()[routeIndex];
        let bearer = route.as.bearer;
        let session = route.as.session;
        const token = m.which === 'bearer' ? bearer : session;
        let changed: string;
        switch (m.kind) {
          case 'flip': {
            const at = m.at % token.length;
            const to = String.fromCharCode(m.to === token.charCodeAt(at) ? (m.to === 0x7e ? 0x21 : m.to + 1) : m.to);
            changed = `${token.slice(0, at)}${to}${token.slice(at + 1)}`;
            break;
          }
          case 'segment': {
            const segments = token.split('.');
            segments[m.at] = m.text;
            changed = segments.join('.');
            break;
          }
          case 'garbage':
            changed = m.text;
            break;
          case 'forged':
            changed = handMade({ alg: 'HS256', typ: 'JWT' }, m.claims, m.secret);
            break;
        }
        if (changed === token) {
          return;
        }
        if (m.which === 'bearer') {
          bearer = changed;
        } else {
          session = changed;
        }
        const headers = { authorization: `Bearer ${bearer}`, 'x-session-token': session };
        const res = await call(route, headers);
        tried++;
        if (!refused(res, headers)) {
          accepted.push(`${route.name}: ${m.kind} ${m.which} → ${res.status}`);
        }
        expect(res.status).toBe(401);
      }),
      { numRuns: 700 },
    );
    expect(changedTables(before, await fingerprint())).toEqual([]);
  });

  it('refuses authenticated callers where they are not allowed (403), writing nothing', async () => {
    const member = await identity(memberId);
    const otherOrganization = await createOrganization(app.t.dataSource);
    const before = await fingerprint();
    const h = (id: Identity) => ({ authorization: `Bearer ${id.bearer}`, 'x-session-token': id.session });
    const attempts: [string, Route, Headers][] = [];
    for (const route of routes()) {
      if (route.as === backoffice) {
        attempts.push([`${route.name} without the backoffice role`, route, h(admin)]);
        attempts.push([`${route.name} as a plain member`, route, h(member)]);
      } else if (route.name === 'leave') {
        // leaving is for anyone about itself; only someone else's path id is an abuse
        attempts.push([`${route.name} with another caller's path id`, route, h(other)]);
      } else {
        attempts.push([
          `${route.name} as a plain member`,
          { ...route, path: route.path.replace(`/na/${admin.userId}/`, `/na/${memberId}/`) },
          h(member),
        ]);
        attempts.push([`${route.name} with another caller's path id`, route, h(other)]);
        attempts.push([
          `${route.name} in an organization the admin does not administer`,
          route.name === 'invite (users)'
            ? { ...route, body: { ...route.body, organizationId: String(otherOrganization) } }
            : { ...route, path: `${route.path}?organizationId=${otherOrganization}` },
          h(admin),
        ]);
      }
    }
    const allowed: string[] = [];
    for (const [name, route, headers] of attempts) {
      const res = await call(route, headers);
      if (res.status < 400) {
        allowed.push(`${name} → ${res.status}`);
      }
    }
    const after = await fingerprint();
    expect(allowed).toEqual([]);
    expect(changedTables(before, after)).toEqual([]);
    recordFigure(
      SECTION,
      'authorization abuses tried (valid credentials, not allowed) / accepted',
      `${attempts.length} / ${allowed.length}`,
    );
  });

  afterAll(() => {
    recordFigure(
      SECTION,
      `credential abuses tried (catalogue × ${routes().length} routes + 700 generated) / accepted`,
      `${tried} / ${accepted.length}`,
    );
    recordFigure(
      SECTION,
      'catalogued variants per route',
      abuseVariants(admin, other, secrets(), { revoked, expiredRow }).length,
    );
  });
});
