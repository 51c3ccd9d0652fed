import request from 'supertest';
import { BULK_INVITE_BODY } from '../src/invitations/dto/bulk-invite.dto.js';
import {
  addMembership,
  authHeaders,
  countRows,
  createAdmin,
  createUser,
  tokensFor,
  uniqueEmail,
} from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

describe('bulk invite (createBulkInviteUserOrganization)', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof createAdmin>>;

  const path = (userId = admin.userId) => `/users-organizations/v1/rs/na/${userId}/invitations/bulk`;
  const bulk = (body: unknown, headers = admin.headers, userId = admin.userId) =>
    request(t.http)
      .post(path(userId))
      .set(headers)
      .send(body as object);
  const item = (email = uniqueEmail('bulk'), overrides: Record<string, unknown> = {}) => ({
    email,
    scope: 2,
    permissions: { group: 0, read: [1], manage: [] },
    ...overrides,
  });
  const invitationRows = (organizationId = admin.organizationId) =>
    countRows(t.dataSource, 'user_organizations', `organization_id = $1 AND status = 'invited'`, [organizationId]);
  const mailRows = (organizationId = admin.organizationId) =>
    countRows(
      t.dataSource,
      'mail_outbox mo JOIN user_organizations uo ON uo.id = mo.membership_id',
      'uo.organization_id = $1',
      [organizationId],
    );
  const auditRows = (organizationId = admin.organizationId) =>
    countRows(t.dataSource, 'audit_events', `organization_id = $1 AND action = 'invitation.created'`, [organizationId]);

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(async () => {
    admin = await createAdmin(t.dataSource, t.config);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 207 with one result per item in request order, each judged as the single invite would', async () => {
    const member = uniqueEmail('member');
    const memberId = await createUser(t.dataSource, member);
    await addMembership(t.dataSource, { userId: memberId, organizationId: admin.organizationId });
    const first = uniqueEmail('first');
    const body = {
      invitations: [
        item(first),
        item('not-an-email'),
        item(first.toUpperCase()),
        item(member),
        item(uniqueEmail('greedy'), { permissions: { group: 0, read: [1, 9], manage: [8] } }),
        item(uniqueEmail('last'), { scope: 1, professionId: 4 }),
      ],
    };
    const res = await bulk(body).expect(207);
    expect(res.body.summary).toEqual({ created: 2, failed: 4 });
    expect(
      res.body.results.map((r: { index: number; status: number; code?: string }) => [r.index, r.status, r.code]),
    ).toEqual([
      [0, 201, undefined],
      [1, 400, 'VALIDATION_FAILED'],
      [2, 409, 'DUPLICATE_IN_REQUEST'],
      [3, 409, 'MEMBERSHIP_ALREADY_EXISTS'],
      [4, 403, 'PERMISSION_ESCALATION'],
      [5, 201, undefined],
    ]);
    expect(res.body.results[1].details).toEqual(
      expect.arrayContaining([{ path: 'invitations[1].email', message: expect.any(String) }]),
    );
    expect(res.body.results[4].details).toEqual([
      { path: 'invitations[4].permissions.read', message: 'not yours to grant: 9' },
      { path: 'invitations[4].permissions.manage', message: 'not yours to grant: 8' },
    ]);
    expect(res.body.results[0].data).toMatchObject({
      organizationId: admin.organizationId,
      status: 'invited',
      scope: 2,
    });
    expect(res.body.results[5].data).toMatchObject({ scope: 1, professionId: 4 });
    expect(res.body.results[0].invitation).toBeUndefined();
    // what was written: the two invitations, their mails and audit rows; no user for the refused
    expect(await invitationRows()).toBe(2);
    expect(await mailRows()).toBe(2);
    expect(await auditRows()).toBe(2);
    expect(await countRows(t.dataSource, 'users', 'lower(email) = lower($1)', [body.invitations[4].email])).toBe(0);
  });

  it('atomic: 201 when every item is created', async () => {
    const res = await bulk({ invitations: [item(), item()], atomic: true }).expect(201);
    expect(res.body.summary).toEqual({ created: 2, failed: 0 });
    expect(await invitationRows()).toBe(2);
  });

  it('atomic: 409 with the results (would-be 201s included) and nothing written when one item fails', async () => {
    const res = await bulk({ invitations: [item(), item('bad@'), item()], atomic: true }).expect(409);
    expect(res.body).toMatchObject({
      code: 'BULK_NOT_ATOMIC',
      error: expect.any(String),
      requestId: expect.any(String),
    });
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 400, 201]);
    expect(await invitationRows()).toBe(0);
    expect(await mailRows()).toBe(0);
    expect(await auditRows()).toBe(0);
  });

  it('dryRun: the same answers, nothing written, no mail, no audit', async () => {
    const existing = uniqueEmail('existing');
    await bulk({ invitations: [item(existing)] }).expect(207);
    const before = {
      users: await countRows(t.dataSource, 'users'),
      invitations: await invitationRows(),
      mails: await mailRows(),
      audit: await auditRows(),
    };
    const res = await bulk({ invitations: [item(), item(existing), item('x')], dryRun: true }).expect(207);
    expect(res.body.results.map((r: { status: number; code?: string }) => [r.status, r.code])).toEqual([
      [201, undefined],
      [409, 'INVITATION_ALREADY_PENDING'],
      [400, 'VALIDATION_FAILED'],
    ]);
    expect({
      users: await countRows(t.dataSource, 'users'),
      invitations: await invitationRows(),
      mails: await mailRows(),
      audit: await auditRows(),
    }).toEqual(before);
  });

  it('sendEmail=false: no mail queued; each created item carries its token and accept link, which accept', async () => {
    const email = uniqueEmail('link');
    const res = await bulk({ invitations: [item(email)], sendEmail: false }).expect(207);
    const [result] = res.body.results;
    expect(result.invitation).toEqual({
      id: expect.any(Number),
      token: expect.any(String),
      acceptUrl: expect.stringContaining(result.invitation.token),
      expiresAt: expect.any(String),
    });
    expect(await mailRows()).toBe(0);
    const [invitee] = await t.dataSource.query(`SELECT id FROM users WHERE email = $1`, [email]);
    const headers = authHeaders(await tokensFor(t.dataSource, t.config, Number(invitee.id)));
    const accepted = await request(t.http)
      .post('/users-organizations/v1/invitations/accept')
      .set(headers)
      .send({ token: result.invitation.token })
      .expect(200);
    expect(accepted.body.data).toMatchObject({ status: 'active', organizationId: admin.organizationId });
  });

  it('answers 403 to a caller who administers no organization, writing nothing', async () => {
    const strangerId = await createUser(t.dataSource);
    const stranger = authHeaders(await tokensFor(t.dataSource, t.config, strangerId));
    const res = await bulk({ invitations: [item()] }, stranger, strangerId).expect(403);
    expect(res.body.code).toBe('NOT_ORGANIZATION_ADMIN');
  });

  it.each([
    ['no items', { invitations: [] }, 'invitations'],
    ['101 items', { invitations: Array.from({ length: 101 }, () => item()) }, 'invitations'],
    ['invitations not an array', { invitations: item() }, 'invitations'],
    ['an unknown field', { invitations: [item()], force: true }, 'force'],
    ['atomic as a string', { invitations: [item()], atomic: 'true' }, 'atomic'],
  ])('refuses a malformed envelope with 400 (%s), writing nothing', async (_name, body, detailPath) => {
    const res = await bulk(body).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual(expect.arrayContaining([{ path: detailPath, message: expect.any(String) }]));
    expect(await invitationRows()).toBe(0);
  });

  it('takes a body of 100 maximal items and refuses one byte more than they need (413)', async () => {
    const id = -Number.MAX_SAFE_INTEGER;
    const ids = Array.from({ length: 256 }, () => id);
    const maximal = {
      email: `${'a'.repeat(250 - '@example.com'.length)}@example.com`,
      scope: 1,
      permissions: { group: id, read: ids, manage: ids },
      professionId: id,
    };
    const body = {
      invitations: Array.from({ length: 100 }, () => maximal),
      atomic: false,
      dryRun: false,
      sendEmail: false,
    };
    const text = JSON.stringify(body);
    expect(text.length).toBe(BULK_INVITE_BODY.limit);
    const ok = await request(t.http).post(path()).set(admin.headers).set('content-type', 'application/json').send(text);
    expect(ok.status).toBe(207);
    const tooLarge = await request(t.http)
      .post(path())
      .set(admin.headers)
      .set('content-type', 'application/json')
      .send(`${text} `);
    expect(tooLarge.status).toBe(413);
    // the single invite keeps its own small limit
    const single = await request(t.http)
      .post(`/users-organizations/v1/rs/na/${admin.userId}/invite`)
      .set(admin.headers)
      .set('content-type', 'application/json')
      .send(JSON.stringify(maximal).padEnd(17 * 1024, ' '));
    expect(single.status).toBe(413);
  });

  it('invites each email once under concurrent identical bulks', async () => {
    const emails = Array.from({ length: 5 }, () => uniqueEmail('race'));
    const body = { invitations: emails.map((e) => item(e)) };
    const answers = await Promise.all(Array.from({ length: 8 }, () => bulk(body)));
    expect(answers.every((a) => a.status === 207)).toBe(true);
    const created = answers.flatMap((a) => a.body.results).filter((r: { status: number }) => r.status === 201);
    expect(created).toHaveLength(5);
    expect(await invitationRows()).toBe(5);
    expect(await mailRows()).toBe(5);
  });
});

describe('bulk invite and the invitation budget', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_CALLER_PER_MINUTE: '5',
      RATE_LIMIT_ORGANIZATION_PER_MINUTE: '50',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts a bulk of N as N invitations, shared with the single invite', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const item = () => ({ email: uniqueEmail('budget'), scope: 2, permissions: { group: 0, read: [], manage: [] } });
    const path = `/users-organizations/v1/rs/na/${admin.userId}/invitations/bulk`;
    await request(t.http)
      .post(path)
      .set(admin.headers)
      .send({ invitations: [item(), item(), item()] })
      .expect(207);
    // 3 taken of 5: a bulk of 3 does not fit, and takes nothing
    const limited = await request(t.http)
      .post(path)
      .set(admin.headers)
      .send({ invitations: [item(), item(), item()] });
    expect(limited.status).toBe(429);
    await request(t.http)
      .post(`/users-organizations/v1/rs/na/${admin.userId}/invite`)
      .set(admin.headers)
      .send(item())
      .expect(201);
    await request(t.http)
      .post(path)
      .set(admin.headers)
      .send({ invitations: [item()] })
      .expect(207);
    await request(t.http)
      .post(path)
      .set(admin.headers)
      .send({ invitations: [item()] })
      .expect(429);
  });
});
