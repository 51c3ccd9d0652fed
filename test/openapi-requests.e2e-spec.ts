import request from 'supertest';
import type { OpenAPIObject } from '@nestjs/swagger';
import { authHeaders, createAdmin, createUser, addMembership, tokensFor, uniqueEmail } from './utils/fixtures.js';
import {
  RequestGenerator,
  type BrokenRequest,
  type GeneratedRequest,
  type Location,
  type Operation,
} from './utils/openapi-requests.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { Scope } from '../src/memberships/membership.constants.js';

/*
 * Requests generated from the served OpenAPI document, for every operation (as an API fuzzer
 * makes them): valid requests are never refused for their shape (no 400, 422 or 5xx: they may
 * meet 403, 404, 409, 410 or 412 for the state of the data), requests that break one documented
 * rule are refused with 400 and the error body pointing at what was broken, and links chain
 * real answers into the next requests. Every answer is also checked against the document
 * (createTestApp). Seeded: OPENAPI_FUZZ_SEED=<n> replays a run; the seed is in every failure.
 */

const SEED = Number(process.env.OPENAPI_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const VALID_PER_OPERATION = 8;

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface Exchange {
  request: GeneratedRequest;
  answer: Answer;
}

describe(`requests generated from the OpenAPI document (seed ${SEED})`, () => {
  let t: TestApp;
  let document: OpenAPIObject;
  let generator: RequestGenerator;
  let callerHeaders: Record<string, string>;
  let backofficeHeaders: Record<string, string>;
  let pool: Record<string, number[]>;
  const usedKeys = new Set<string>();
  const failures: string[] = [];
  const counts = { operations: 0, valid: 0, chained: 0, broken: 0, refusedAsDocumented: 0, wrongMethod: 0 };

  beforeAll(async () => {
    t = await createTestApp();
    document = (await request(t.http).get('/openapi.json').expect(200)).body as OpenAPIObject;
    generator = new RequestGenerator(document, SEED);

    // The caller administers one organization (its session names it), with a member and a
    // pending invitation in it, and has been invited into another one.
    const admin = await createAdmin(t.dataSource, t.config);
    callerHeaders = authHeaders(
      await tokensFor(t.dataSource, t.config, admin.userId, { organizationId: admin.organizationId }),
    );
    const memberId = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: memberId, organizationId: admin.organizationId });
    const invitePath = (userId: number) => `/users-organizations/v1/rs/na/${userId}/invite`;
    const invited = await request(t.http)
      .post(invitePath(admin.userId))
      .set(callerHeaders)
      .send({ email: uniqueEmail('invited'), scope: Scope.MEMBER, permissions: { group: 0, read: [1], manage: [] } })
      .expect(201);
    const invitedUserId = (invited.body as { data: { userId: number } }).data.userId;
    const other = await createAdmin(t.dataSource, t.config);
    const [{ email: callerEmail }] = await t.dataSource.query<{ email: string }[]>(
      `SELECT email FROM users WHERE id = $1`,
      [admin.userId],
    );
    await request(t.http)
      .post(invitePath(other.userId))
      .set(other.headers)
      .send({ email: callerEmail, scope: Scope.MEMBER, permissions: { group: 0, read: [], manage: [] } })
      .expect(201);
    const invitations = await t.dataSource.query<{ id: string }[]>(
      `SELECT id FROM user_organizations WHERE status = 'invited' ORDER BY id`,
    );
    const backoffice = await createUser(t.dataSource);
    backofficeHeaders = authHeaders(await tokensFor(t.dataSource, t.config, backoffice, { backoffice: true }));
    pool = {
      caller: [admin.userId],
      userId: [memberId, invitedUserId, admin.userId],
      memberUserId: [memberId, invitedUserId, admin.userId],
      organizationId: [admin.organizationId],
      invitationId: invitations.map((row) => Number(row.id)),
      membershipId: [],
    };
  }, 120_000);

  afterAll(async () => {
    try {
      await t?.close();
    } catch (error) {
      throw new Error(`seed ${SEED}: ${(error as Error).message}`);
    }
  });

  const isBackoffice = (op: Operation) => op.path.includes('/bo/');

  /** Real ids for about two thirds of the id parameters, so that requests also reach real rows. */
  function fixedValues(op: Operation): Partial<Record<Location, Record<string, string | undefined>>> {
    const fixed: Record<Location, Record<string, string | undefined>> = { path: {}, query: {}, header: {} };
    for (const p of op.parameters) {
      const ids = p.name === 'userId' && p.in === 'path' && !isBackoffice(op) ? pool.caller : pool[p.name];
      if (ids && ids.length > 0 && generator.chance(0.7)) {
        fixed[p.in][p.name] = String(generator.pick(ids));
      }
      // values only the service makes (a page's cursor) come from its answers, through the links
      if (selfLinked(op).has(p.name)) {
        fixed[p.in][p.name] = generator.chance(0.5) ? lastCursor.get(op.operationId) : undefined;
      }
    }
    return fixed;
  }

  /** Parameters an operation's own answers fill for its next call (the `nextPage` links). */
  function selfLinked(op: Operation): Set<string> {
    const names = new Set<string>();
    for (const links of Object.values(op.links)) {
      for (const l of links) {
        if (l.operationId === op.operationId) {
          for (const [name, expression] of Object.entries(l.parameters)) {
            if (expression.startsWith('$response.body')) {
              names.add(name);
            }
          }
        }
      }
    }
    return names;
  }

  const lastCursor = new Map<string, string>();
  const lastSuccess = new Map<string, Exchange>();

  /** Rules across parameters that a schema cannot state, as the operations' descriptions state them. */
  function respectCrossRules(req: GeneratedRequest): void {
    // a roleKey names a role of the organization, as an id names a row: one that exists
    const body = req.body as { roleKey?: unknown } | undefined;
    if (body !== null && typeof body === 'object' && typeof body.roleKey === 'string') {
      body.roleKey = generator.pick(['admin', 'member']);
    }
    const { from, to } = req.params.query;
    if (from !== undefined && to !== undefined && new Date(from).getTime() > new Date(to).getTime()) {
      req.params.query.from = to;
      req.params.query.to = from;
    }
  }

  async function send(op: Operation, req: GeneratedRequest): Promise<Answer> {
    const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(req.params.path[name] ?? ''));
    const query = new URLSearchParams(req.params.query).toString();
    let call = request(t.http)
      [op.method as 'get' | 'post' | 'patch' | 'delete'](query ? `${path}?${query}` : path)
      .set(isBackoffice(op) ? backofficeHeaders : callerHeaders);
    for (const [name, value] of Object.entries(req.params.header)) {
      call = call.set(name, value);
    }
    const res = req.hasBody ? await call.send(req.body as object) : await call;
    return { status: res.status, body: res.body, headers: res.headers };
  }

  const describeRequest = (op: Operation, req: GeneratedRequest, answer: Answer) =>
    `seed ${SEED}: ${op.method.toUpperCase()} ${op.path} (${op.operationId}) ${JSON.stringify(req.params)} ` +
    `body ${req.hasBody ? JSON.stringify(req.body) : '(none)'} → ${answer.status} ${JSON.stringify(answer.body)}`;

  function withFreshKey(req: GeneratedRequest): GeneratedRequest {
    const key = req.params.header['Idempotency-Key'];
    if (key !== undefined) {
      if (usedKeys.has(key)) {
        delete req.params.header['Idempotency-Key'];
      } else {
        usedKeys.add(key);
      }
    }
    return req;
  }

  async function sendValid(op: Operation, req: GeneratedRequest, kind: 'valid' | 'chained'): Promise<void> {
    respectCrossRules(req);
    const answer = await send(op, withFreshKey(req));
    counts[kind]++;
    if ([400, 413, 415, 422].includes(answer.status) || answer.status >= 500) {
      failures.push(`a ${kind} request was refused: ${describeRequest(op, req, answer)}`);
      return;
    }
    if (answer.status >= 200 && answer.status < 300) {
      lastSuccess.set(op.operationId, { request: req, answer });
      const next = (answer.body as { nextCursor?: unknown }).nextCursor;
      if (typeof next === 'string') {
        lastCursor.set(op.operationId, next);
      }
    }
  }

  async function sendBroken(op: Operation, req: BrokenRequest): Promise<void> {
    if (req.at !== 'header.Idempotency-Key') {
      // a valid key used before would be answered from the stored first request (or 422)
      delete req.params.header['Idempotency-Key'];
    }
    const answer = await send(op, req);
    counts.broken++;
    const body = answer.body as { code?: unknown; error?: unknown; requestId?: unknown; details?: { path: string }[] };
    const related = (path: string) => path === req.at || path.startsWith(`${req.at}.`) || req.at.startsWith(`${path}.`);
    const pointsAtIt = req.at === '' || (body.details ?? []).some((d) => related(d.path));
    if (
      answer.status === 400 &&
      body.code === req.code &&
      typeof body.error === 'string' &&
      typeof body.requestId === 'string' &&
      pointsAtIt
    ) {
      counts.refusedAsDocumented++;
    } else {
      failures.push(
        `breaking "${req.rule}" (expected 400 ${req.code} at ${req.at || 'the body'}): ${describeRequest(op, req, answer)}`,
      );
    }
  }

  /** A link's runtime expression, read from the exchange it starts from. */
  function evaluate(expression: string, from: Exchange): string | undefined {
    const [, source, rest] = /^\$(request|response)\.(.*)$/.exec(expression) ?? [];
    let value: unknown;
    if (source === 'request' && rest.startsWith('path.')) {
      value = from.request.params.path[rest.slice(5)];
    } else if (source === 'request' && rest.startsWith('query.')) {
      value = from.request.params.query[rest.slice(6)];
    } else if (source === 'response' && rest.startsWith('header.')) {
      value = from.answer.headers[rest.slice(7).toLowerCase()];
    } else if (source === 'response' && rest.startsWith('body#')) {
      value = rest
        .slice(6)
        .split('/')
        .filter(Boolean)
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], from.answer.body);
    }
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  }

  it('are answered as the document says, for every operation', async () => {
    const operations = generator.operations;
    counts.operations = operations.length;
    expect(operations.length).toBeGreaterThan(20);

    // 1. valid requests, drawn from the schemas
    for (let round = 0; round < VALID_PER_OPERATION; round++) {
      for (const op of operations) {
        await sendValid(op, generator.validRequest(op, fixedValues(op)), 'valid');
      }
    }

    // 2. the links: each successful answer chained into the operations it links to
    for (const op of operations) {
      const from = lastSuccess.get(op.operationId);
      if (!from) {
        continue;
      }
      for (const l of op.links[String(from.answer.status)] ?? []) {
        const target = operations.find((o) => o.operationId === l.operationId);
        if (!target) {
          failures.push(`seed ${SEED}: link ${op.operationId}.${l.name} → unknown ${l.operationId}`);
          continue;
        }
        const fixed: Record<Location, Record<string, string | undefined>> = { path: {}, query: {}, header: {} };
        let unresolved = false;
        for (const [name, expression] of Object.entries(l.parameters)) {
          const parameter = target.parameters.find((p) => p.name === name);
          if (parameter) {
            fixed[parameter.in][name] = evaluate(expression, from);
            // an answer with nothing to chain (an empty page has no first item) links nowhere
            unresolved ||= parameter.in === 'path' && fixed[parameter.in][name] === undefined;
          }
        }
        if (unresolved) {
          continue;
        }
        const req = generator.validRequest(target, mergeFixed(fixedValues(target), fixed));
        await sendValid(target, req, 'chained');
      }
    }

    // 3. one documented rule broken at a time
    for (const op of operations) {
      for (const broken of generator.brokenRequests(op, () => generator.validRequest(op, fixedValues(op)))) {
        await sendBroken(op, broken);
      }
    }

    // 4. a documented path with a method it does not have: 405, with the methods it has in Allow
    const byPath = new Map<string, Set<string>>();
    for (const op of operations) {
      byPath.set(op.path, (byPath.get(op.path) ?? new Set()).add(op.method.toUpperCase()));
    }
    const template = (path: string) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`);
    for (const [path, methods] of byPath) {
      // another template may match the same path (`invitations/bulk` and `invitations/{invitationId}`):
      // its methods are not "another method" for this path
      const concrete = path.replace(/\{\w+\}/g, '1');
      const taken = new Set([...byPath].filter(([other]) => template(other).test(concrete)).flatMap(([, m]) => [...m]));
      const method = generator.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !taken.has(m)));
      const res = await request(t.http)
        [method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path.replace(/\{\w+\}/g, '1'))
        .set(callerHeaders);
      counts.wrongMethod++;
      const allow = String(res.headers.allow ?? '').split(/,\s*/);
      if (
        res.status !== 405 ||
        (res.body as { code?: unknown }).code !== 'METHOD_NOT_ALLOWED' ||
        typeof (res.body as { requestId?: unknown }).requestId !== 'string' ||
        [...methods].some((m) => !allow.includes(m)) ||
        allow.includes(method)
      ) {
        failures.push(
          `seed ${SEED}: ${method} ${path} → ${res.status} Allow: ${allow.join(', ')} ${JSON.stringify(res.body)}`,
        );
      }
    }

    const total = counts.valid + counts.chained + counts.broken + counts.wrongMethod;
    console.log(
      `OpenAPI generated requests (seed ${SEED}): ${counts.operations} operations, ${total} requests ` +
        `(${counts.valid} valid, ${counts.chained} chained through links, ${counts.broken} breaking one rule, ` +
        `${counts.wrongMethod} with a method the path does not have), ` +
        `${counts.refusedAsDocumented} refusals matched the document, ${failures.length} failures, ` +
        `${generator.fallbacks} values taken from examples`,
    );
    expect(failures).toEqual([]);
    expect(counts.refusedAsDocumented).toBe(counts.broken);
  }, 180_000);
});

function mergeFixed(
  base: Partial<Record<Location, Record<string, string | undefined>>>,
  linked: Record<Location, Record<string, string | undefined>>,
): Partial<Record<Location, Record<string, string | undefined>>> {
  return {
    path: { ...base.path, ...linked.path },
    query: { ...base.query, ...linked.query },
    header: { ...base.header, ...linked.header },
  };
}
