import fc from 'fast-check';
import { Scope } from '../../src/memberships/membership.constants.js';
import { addMembership, createOrganization, createUser } from '../utils/fixtures.js';
import { recordFigure } from './utils/figures.js';
import {
  KEYS_TO_ADD,
  emit,
  hostileString,
  hostileValue,
  nested,
  obj,
  toNode,
  type Node,
} from './utils/hostile-json.js';
import { answer, jsonOf } from './utils/http.js';
import { changedTables, fingerprinter, inProcessApp, queryOf, tokensOf, type InProcessApp } from './utils/world.js';

/**
 * Property-based hostile bodies: for every generated request to a write route, the
 * answer is never a 5xx, every refusal is a JSON `{ error }` that leaks nothing, and a refused
 * request writes nothing, in any table (a digest of every table is compared after each one).
 */

const V1 = '/users-organizations/v1';
const SECTION = 'Hostile bodies';
const RUNS_PER_ROUTE = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 650);
/** Recorded in the table, so a run can be replayed with RELIABILITY_SEED. */
const SEED = Number(process.env.RELIABILITY_SEED ?? Date.now() % 2 ** 31);

type Kind =
  | 'valid'
  | 'wrong type'
  | 'unknown field'
  | 'duplicate key'
  | 'deep nesting'
  | 'top-level value'
  | 'malformed JSON'
  | 'content type'
  | 'oversize'
  | 'hostile array'
  | 'hostile path id'
  | 'hostile string';

interface Hostile {
  kind: Kind;
  body?: string | Buffer;
  /** null: no content-type header at all. */
  contentType: string | null;
  pathIds?: [string | undefined, string | undefined];
  idempotencyKey?: string;
}

interface WriteRoute {
  name: string;
  method: 'POST' | 'PATCH' | 'DELETE';
  path: (a?: string, b?: string) => string;
  as: 'admin' | 'backoffice';
  /** Valid bodies; undefined for a route that takes none. */
  valid?: fc.Arbitrary<Record<string, unknown>>;
}

const safeInt = fc.integer({ min: -1000, max: 1000 });
const permissions = fc.record({
  group: safeInt,
  read: fc.array(fc.constantFrom(1, 2, 3), { maxLength: 3 }),
  manage: fc.array(fc.constantFrom(1, 2, 3), { maxLength: 3 }),
});
const scope = fc.constantFrom(Scope.ADMIN, Scope.MEMBER);
/** Fresh addresses matching the seed's pattern, so valid invites really create invitations. */
const email = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9._+-]{0,20}[a-z0-9]$/), fc.nat())
  .filter(([local]) => !local.includes('..'))
  .map(([local, n]) => `${local}.${n}@example.com`);

/** Every place in a tree a value can be swapped: object entries and array items, with the whole body first. */
function slots(node: Node, out: ((v: Node) => void)[] = []): ((v: Node) => void)[] {
  if (Array.isArray(node)) {
    node.forEach((_, i) => {
      out.push((v) => (node[i] = v));
      slots(node[i], out);
    });
  } else if (node !== null && typeof node === 'object' && '$entries' in node) {
    node.$entries.forEach((entry) => {
      out.push((v) => (entry[1] = v));
      slots(entry[1], out);
    });
  }
  return out;
}

function objects(node: Node, out: [string, Node][][] = []): [string, Node][][] {
  if (Array.isArray(node)) {
    node.forEach((n) => objects(n, out));
  } else if (node !== null && typeof node === 'object' && '$entries' in node) {
    out.push(node.$entries);
    node.$entries.forEach(([, n]) => objects(n, out));
  }
  return out;
}

const HOSTILE_IDS = [
  '1e3',
  '+5',
  '5.0',
  '0x10',
  '9007199254740993',
  '99999999999999999999',
  '%00',
  '%2e%2e',
  'null',
  '%201',
  'abc',
  '1%0a',
  encodeURIComponent("1' OR '1'='1"),
  '-9007199254740992',
  '0',
];
const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'text/json',
  'application/jsonx',
  'application/*',
  '*/*',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=utf-7',
];
// (A leading UTF-8 BOM is not here: RFC 8259 lets a parser ignore it, and body-parser does.)
const MALFORMED: (string | Buffer)[] = [
  '{"scope":1,',
  '{"scope":1,}',
  "{'scope':1}",
  '{scope:1}',
  '{"scope":1}/* comment */',
  '{"scope":NaN}',
  '{"scope":Infinity}',
  '{"scope":"\u0001"}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '',
  ' ',
  '{"scope":1}{"scope":2}',
  '{"scope":1} x',
  '[',
  '{"a":1}\u0000',
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]),
  Buffer.from('{"scope":1,"permissions":{"group":0,"read":[],"manage":[]}}', 'utf16le'),
];

function hostileRequests(route: WriteRoute): fc.Arbitrary<Hostile> {
  const valid = route.valid ?? fc.constant({});
  const json = (kind: Kind, body: Node): Hostile => ({ kind, body: emit(body), contentType: 'application/json' });
  const mutated = (kind: Kind, change: fc.Arbitrary<(tree: Node) => Node>) =>
    fc.tuple(valid, change).map(([v, f]) => json(kind, f(toNode(v))));
  const pick = <T>(items: T[], i: number): T | undefined => (items.length === 0 ? undefined : items[i % items.length]);

  const base = fc.oneof(
    { weight: 1, arbitrary: valid.map((v) => json('valid', toNode(v))) },
    {
      weight: 4,
      arbitrary: mutated(
        'wrong type',
        fc.tuple(fc.nat(), hostileValue).map(([i, value]) => (tree: Node) => {
          const slot = pick(slots(tree), i);
          if (!slot) {
            return value;
          }
          slot(value);
          return tree;
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: mutated(
        'hostile string',
        fc.tuple(fc.nat(), hostileString).map(([i, value]) => (tree: Node) => {
          const slot = pick(slots(tree), i);
          if (!slot) {
            return obj({ scope: value });
          }
          slot(value);
          return tree;
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: mutated(
        'unknown field',
        fc
          .tuple(
            fc.nat(),
            fc.oneof(fc.constantFrom(...KEYS_TO_ADD), fc.string({ minLength: 1, maxLength: 30 })),
            hostileValue,
          )
          .map(([i, key, value]) => (tree: Node) => {
            const target = pick(objects(tree), i);
            if (!target) {
              return obj({ [key]: value });
            }
            // only a key the DTO does not know is "unknown"
            target.push([target.some(([k]) => k === key) ? `${key}_` : key, value]);
            return tree;
          }),
      ),
    },
    {
      weight: 2,
      arbitrary: mutated(
        'duplicate key',
        fc.tuple(fc.nat(), fc.nat(), fc.boolean(), hostileValue).map(([i, j, same, value]) => (tree: Node) => {
          // valid bodies are objects, so there is always one to repeat a key in
          const target = pick(objects(tree), i)!;
          const entry = pick(target, j) ?? (['scope', 1] as [string, Node]);
          if (target.length === 0) {
            target.push(entry);
          }
          target.push([entry[0], same ? entry[1] : value]);
          return tree;
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          valid,
          fc.oneof(fc.integer({ min: 20, max: 40 }), fc.integer({ min: 100, max: 6000 })),
          fc.constantFrom<'array' | 'object'>('array', 'object'),
          fc.nat(),
        )
        .map(([v, depth, kind, i]) => {
          const tree = toNode(v);
          const slot = pick(slots(tree), i);
          if (!slot) {
            return json('deep nesting', nested(depth, kind));
          }
          slot(nested(depth, kind));
          return json('deep nesting', tree);
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('[]', '[1]', '"x"', '1', 'true', 'null', '{}', '[{"scope":1}]', '"{\\"scope\\":1}"')
        .map((body): Hostile => ({ kind: 'top-level value', body, contentType: 'application/json' })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...MALFORMED)
        .map((body): Hostile => ({ kind: 'malformed JSON', body, contentType: 'application/json' })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom<string | null>(...CONTENT_TYPES, null))
        .map(([v, contentType]): Hostile => ({
          kind: 'content type',
          body:
            contentType === 'application/x-www-form-urlencoded' ? 'scope=1&permissions[group]=0' : JSON.stringify(v),
          contentType,
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.integer({ min: 16_500, max: 40_000 }))
        .map(([v, n]) =>
          json(
            'oversize',
            obj({ ...Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toNode(x)])), pad: 'a'.repeat(n) }),
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('read', 'manage'),
          fc.constantFrom<Node>(
            Array.from({ length: 257 }, () => 1),
            Array.from({ length: 3000 }, () => 1),
            [[1]],
            {
              $entries: [
                ['0', 1],
                ['length', 1],
              ],
            },
            ['1'],
            [1.5],
            [null],
            'all',
            [{ $raw: '9007199254740993' }],
            [{ $raw: '1e400' }],
          ),
        )
        .map(([field, value]) =>
          json(
            'hostile array',
            obj({
              scope: 2,
              permissions: obj({ group: 0, read: [], manage: [], [field]: value }),
            }),
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.constantFrom(...HOSTILE_IDS), fc.boolean()).map(([v, id, first]): Hostile => ({
        ...json('hostile path id', toNode(v)),
        pathIds: first ? [id, undefined] : [undefined, id],
      })),
    },
  );
  const key = fc.option(
    fc.oneof(
      fc.string({
        unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
        minLength: 1,
        maxLength: 40,
      }),
      fc.constantFrom('', ' ', 'a'.repeat(300), 'caf\u00e9', 'k\u00ff'),
    ),
    { freq: 4 },
  );
  return fc.tuple(base, key).map(([h, k]) => (k === null ? h : { ...h, idempotencyKey: k }));
}

/** What a refusal must never contain: stacks, SQL, driver or file names. */
const LEAKS =
  /\bat [^\n]+:\d+:\d+|QueryFailedError|node_modules|\.ts:\d+|SELECT |INSERT |UPDATE |duplicate key value|violates|syntax error at/;

describe('hostile bodies', () => {
  let app: InProcessApp;
  let fingerprint: () => Promise<Record<string, string>>;
  const ids = { admin: 0, member: 0, removable: 0, stranger: 0, organization: 0 };
  const headers = { admin: {} as Record<string, string>, backoffice: {} as Record<string, string> };
  const byStatus = new Map<number, number>();
  const byKind = new Map<Kind, number>();
  let sent = 0;
  let accepted = 0;
  let rejectedWrites = 0;

  beforeAll(async () => {
    // the mail worker would change mail_outbox rows between requests, which the digest would blame on them
    app = await inProcessApp({ MAIL_WORKER_ENABLED: 'false' });
    const ds = app.t.dataSource;
    ids.organization = await createOrganization(ds);
    ids.admin = await createUser(ds);
    ids.member = await createUser(ds);
    ids.removable = await createUser(ds);
    ids.stranger = await createUser(ds);
    await addMembership(ds, { userId: ids.admin, organizationId: ids.organization, scope: Scope.ADMIN });
    await addMembership(ds, { userId: ids.member, organizationId: ids.organization });
    await addMembership(ds, { userId: ids.removable, organizationId: ids.organization });
    for (const [who, userId, bo] of [
      ['admin', ids.admin, false],
      ['backoffice', await createUser(ds), true],
    ] as const) {
      const t = await tokensOf(ds, app.t.config, userId, bo);
      headers[who] = { authorization: `Bearer ${t.bearer}`, 'x-session-token': t.session };
    }
    fingerprint = await fingerprinter(queryOf(ds));
  });
  afterAll(async () => {
    await app?.close();
  });

  const routes = (): WriteRoute[] => [
    {
      name: 'POST bo register',
      method: 'POST',
      path: (u = String(ids.stranger), o = String(ids.organization)) =>
        `${V1}/bo/users/register/${u}/organizations/${o}`,
      as: 'backoffice',
      valid: fc.record({ scope, permissions }),
    },
    {
      name: 'PATCH rs member',
      method: 'PATCH',
      path: (a = String(ids.admin), m = String(ids.member)) => `${V1}/rs/na/${a}/members/${m}`,
      as: 'admin',
      valid: fc.record(
        { scope, permissions, professionId: fc.option(fc.integer({ min: 1, max: 100 })) },
        { requiredKeys: [] },
      ),
    },
    {
      name: 'PATCH bo membership',
      method: 'PATCH',
      path: (u = String(ids.member), o = String(ids.organization)) => `${V1}/bo/users/${u}/organizations/${o}`,
      as: 'backoffice',
      valid: fc.record(
        { scope, permissions, professionId: fc.option(fc.integer({ min: 1, max: 100 })) },
        { requiredKeys: [] },
      ),
    },
    {
      name: 'POST bo restore',
      method: 'POST',
      path: (u = String(ids.removable), o = String(ids.organization)) =>
        `${V1}/bo/users/${u}/organizations/${o}/restore`,
      as: 'backoffice',
      valid: fc.record({ scope, permissions }, { requiredKeys: [] }),
    },
    {
      name: 'POST rs invite',
      method: 'POST',
      path: (a = String(ids.admin), o = String(ids.organization)) => `${V1}/rs/na/${a}/invite?organizationId=${o}`,
      as: 'admin',
      valid: fc.record(
        { email, scope, permissions, professionId: fc.option(fc.integer({ min: 1, max: 100 })) },
        { requiredKeys: ['email', 'scope', 'permissions'] },
      ),
    },
    {
      name: 'POST users invite',
      method: 'POST',
      path: () => `${V1}/users/invite`,
      as: 'admin',
      valid: fc.record(
        {
          email,
          roleId: fc.constantFrom('1', '2', 'admin', 'member'),
          organizationId: fc.constant(String(ids.organization)),
        },
        { requiredKeys: ['email'] },
      ),
    },
    {
      name: 'POST invitations accept by token',
      method: 'POST',
      path: () => `${V1}/invitations/accept`,
      as: 'admin',
      valid: fc.record({ token: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/) }),
    },
    {
      name: 'DELETE rs member (no body expected)',
      method: 'DELETE',
      path: (a = String(ids.admin), m = String(ids.removable)) => `${V1}/rs/na/${a}/members/${m}`,
      as: 'admin',
    },
  ];

  it.each(routes().map((r) => [r.name, r] as const))(
    '%s: never a 5xx, refusals leak nothing and write nothing',
    async (_name, routeTemplate) => {
      const route = routes().find((r) => r.name === routeTemplate.name)!;
      let known = await fingerprint();
      await fc.assert(
        fc.asyncProperty(hostileRequests(route), async (h) => {
          const [a, b] = h.pathIds ?? [];
          const res = await answer(app.url, route.path(a, b), {
            method: route.method,
            headers: {
              ...headers[route.as],
              ...(h.contentType === null ? {} : { 'content-type': h.contentType }),
              ...(h.idempotencyKey === undefined ? {} : { 'idempotency-key': h.idempotencyKey }),
            },
            body: h.body,
          });
          sent++;
          byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
          byKind.set(h.kind, (byKind.get(h.kind) ?? 0) + 1);
          const after = await fingerprint();
          const ok = res.status >= 200 && res.status < 300;
          const changed = changedTables(known, after);
          known = after;
          if (ok) {
            accepted++;
          } else if (changed.length > 0) {
            rejectedWrites++;
          }
          expect(res.status).toBeLessThan(500);
          if (!ok) {
            expect(changed).toEqual([]);
            expect(res.headers['content-type']).toMatch(/^application\/json/);
            expect(typeof jsonOf(res)?.error).toBe('string');
            expect(res.text).not.toMatch(LEAKS);
          }
          if (
            ['unknown field', 'duplicate key', 'malformed JSON', 'oversize', 'hostile array'].includes(h.kind) &&
            route.valid
          ) {
            expect(res.status).toBeGreaterThanOrEqual(400);
          }
          if (h.kind === 'content type' && h.contentType !== null && !h.contentType.startsWith('application/json')) {
            expect(res.status).toBe(415);
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: SEED },
      );
    },
  );

  afterAll(() => {
    const statuses = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    recordFigure(SECTION, `generated requests to ${routes().length} write routes (fast-check, seed ${SEED})`, sent);
    recordFigure(SECTION, 'answers by status', statuses.join(', '));
    recordFigure(
      SECTION,
      '5xx answers',
      [...byStatus.entries()].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0),
    );
    recordFigure(SECTION, 'rejected requests that wrote a row (any table)', rejectedWrites);
    recordFigure(SECTION, 'accepted (2xx) requests among them', accepted);
    recordFigure(SECTION, 'requests by kind', [...byKind.entries()].map(([k, n]) => `${k} ${n}`).join(', '));
  });
});
