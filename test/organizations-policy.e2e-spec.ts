import request from 'supertest';
import { createTestApp, PATIENT_DATABASE, type TestApp } from './utils/test-app.js';
import {
  addMembership,
  authHeaders,
  countRows,
  createAdmin,
  createUser,
  tokensFor,
  uniqueEmail,
} from './utils/fixtures.js';

const BASE = '/users-organizations/v1';
const RS = `${BASE}/rs/na`;
const BO = `${BASE}/bo`;
const NONE = { group: 0, read: [], manage: [] };

describe('organization policy: limits and allowed email domains', () => {
  let t: TestApp;
  let bo: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp(PATIENT_DATABASE);
    const boUserId = await createUser(t.dataSource);
    bo = authHeaders(await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true }));
  });
  afterAll(async () => {
    await t.close();
  });

  type Admin = Awaited<ReturnType<typeof createAdmin>>;
  const setPolicy = (organizationId: number, body: Record<string, unknown>) =>
    request(t.http).patch(`${BO}/organizations/${organizationId}/policy`).set(bo).send(body);
  const invite = (admin: Admin, email = uniqueEmail()) =>
    request(t.http)
      .post(`${RS}/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email, scope: 2, permissions: NONE });
  const live = (organizationId: number, status: string) =>
    countRows(t.dataSource, 'user_organizations', 'organization_id = $1 AND deleted_at IS NULL AND status = $2', [
      organizationId,
      status,
    ]);

  it('backoffice reads and sets the policy, audited; admins read it and set the domains only', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const path = `${BO}/organizations/${admin.organizationId}/policy`;
    expect((await request(t.http).get(path).set(bo).expect(200)).body).toEqual({
      data: { maxMembers: null, maxPendingInvitations: null, allowedEmailDomains: null },
    });
    const set = await setPolicy(admin.organizationId, {
      maxMembers: 5,
      maxPendingInvitations: 0,
      allowedEmailDomains: ['Example.COM', 'example.com', 'b.example.org'],
    }).expect(200);
    expect(set.body.data).toEqual({
      maxMembers: 5,
      maxPendingInvitations: 0,
      allowedEmailDomains: ['example.com', 'b.example.org'],
    });
    const mine = await request(t.http).get(`${RS}/${admin.userId}/policy`).set(admin.headers).expect(200);
    expect(mine.body.data).toEqual(set.body.data);
    const changed = await request(t.http)
      .patch(`${RS}/${admin.userId}/policy`)
      .set(admin.headers)
      .send({ allowedEmailDomains: null })
      .expect(200);
    expect(changed.body.data).toEqual({ maxMembers: 5, maxPendingInvitations: 0, allowedEmailDomains: null });
    await request(t.http)
      .patch(`${RS}/${admin.userId}/policy`)
      .set(admin.headers)
      .send({ maxMembers: 100 })
      .expect(400);
    const audit: { action: string; before: unknown; after: unknown }[] = await t.dataSource.query(
      `SELECT action, before, after FROM audit_events WHERE organization_id = $1 AND action = 'organization.policy_updated' ORDER BY id`,
      [admin.organizationId],
    );
    expect(audit).toHaveLength(2);
    expect(audit[1].after).toEqual({ maxMembers: 5, maxPendingInvitations: 0, allowedEmailDomains: null });

    const member = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: member, organizationId: admin.organizationId });
    const memberHeaders = authHeaders(await tokensFor(t.dataSource, t.config, member));
    await request(t.http).get(`${RS}/${member}/policy`).set(memberHeaders).expect(403);
  });

  it.each([
    [{ maxMembers: -1 }],
    [{ maxMembers: 1.5 }],
    [{ maxMembers: '3' }],
    [{ maxPendingInvitations: -2 }],
    [{ allowedEmailDomains: ['not a domain'] }],
    [{ allowedEmailDomains: ['localhost'] }],
    [{ allowedEmailDomains: ['bücher.example'] }],
    [{ allowedEmailDomains: ['-a.example.com'] }],
    [{ allowedEmailDomains: 'example.com' }],
    [{ allowedEmailDomains: Array.from({ length: 101 }, (_, i) => `d${i}.example.com`) }],
    [{}],
    [{ other: 1 }],
  ])('refuses %j with 400', async (body) => {
    const admin = await createAdmin(t.dataSource, t.config);
    await setPolicy(admin.organizationId, body).expect(400);
  });

  it('refuses an invitee whose domain is not allowed (403), exact and case-insensitive', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    await setPolicy(admin.organizationId, { allowedEmailDomains: ['example.com'] }).expect(200);
    const refused = await invite(admin, 'jane@sub.example.com').expect(403);
    expect(refused.body.code).toBe('EMAIL_DOMAIN_NOT_ALLOWED');
    await invite(admin, 'jane@example.com.evil.test').expect(403);
    await invite(admin, `Jane.${Date.now()}@EXAMPLE.com`).expect(201);
    expect(await live(admin.organizationId, 'invited')).toBe(1);
  });

  it('counts pending invitations against maxMembers and maxPendingInvitations, in invite and bulk', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    await setPolicy(admin.organizationId, { maxMembers: 4, maxPendingInvitations: 2 }).expect(200);
    await invite(admin).expect(201);
    await invite(admin).expect(201);
    const pending = await invite(admin).expect(409);
    expect(pending.body.code).toBe('PENDING_INVITATION_LIMIT');

    await setPolicy(admin.organizationId, { maxPendingInvitations: null }).expect(200);
    const bulk = await request(t.http)
      .post(`${RS}/${admin.userId}/invitations/bulk`)
      .set(admin.headers)
      .send({
        invitations: [1, 2, 3].map(() => ({ email: uniqueEmail(), scope: 2, permissions: NONE })),
      })
      .expect(207);
    expect(bulk.body.results.map((r: { status: number; code?: string }) => [r.status, r.code])).toEqual([
      [201, undefined],
      [409, 'SEAT_LIMIT_REACHED'],
      [409, 'SEAT_LIMIT_REACHED'],
    ]);
    expect(await live(admin.organizationId, 'invited')).toBe(3);
    const single = await invite(admin).expect(409);
    expect(single.body.code).toBe('SEAT_LIMIT_REACHED');
  });

  it('lowering maxMembers below the count refuses new members (register, restore, accept) and removes nobody', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const email = uniqueEmail();
    await invite(admin, email).expect(201);
    const inviteeId = Number(
      (await t.dataSource.query(`SELECT id FROM users WHERE email = $1`, [email]))[0].id as string,
    );
    const invitationId = Number(
      (await t.dataSource.query(`SELECT id FROM user_organizations WHERE user_id = $1`, [inviteeId]))[0].id as string,
    );
    const removed = await createUser(t.dataSource);
    await addMembership(t.dataSource, { userId: removed, organizationId: admin.organizationId, deleted: true });
    const outsider = await createUser(t.dataSource);

    await setPolicy(admin.organizationId, { maxMembers: 1 }).expect(200);
    expect(await live(admin.organizationId, 'active')).toBe(1);
    expect(await live(admin.organizationId, 'invited')).toBe(1);

    const register = await request(t.http)
      .post(`${BO}/users/register/${outsider}/organizations/${admin.organizationId}`)
      .set(bo)
      .send({ scope: 2, permissions: NONE })
      .expect(409);
    expect(register.body.code).toBe('SEAT_LIMIT_REACHED');
    const restore = await request(t.http)
      .post(`${BO}/users/${removed}/organizations/${admin.organizationId}/restore`)
      .set(bo)
      .send({})
      .expect(409);
    expect(restore.body.code).toBe('SEAT_LIMIT_REACHED');
    const invitee = authHeaders(await tokensFor(t.dataSource, t.config, inviteeId));
    const accept = await request(t.http)
      .post(`${RS}/${inviteeId}/invitations/${invitationId}/accept`)
      .set(invitee)
      .send()
      .expect(409);
    expect(accept.body.code).toBe('SEAT_LIMIT_REACHED');

    await setPolicy(admin.organizationId, { maxMembers: 2 }).expect(200);
    await request(t.http).post(`${RS}/${inviteeId}/invitations/${invitationId}/accept`).set(invitee).send().expect(200);
    expect(await live(admin.organizationId, 'active')).toBe(2);
  });

  it('100 concurrent invites into an organization with 10 free seats create exactly 10', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    await setPolicy(admin.organizationId, { maxMembers: 11 }).expect(200);
    const results = await Promise.all(Array.from({ length: 100 }, () => invite(admin)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(90);
    for (const r of results.filter((r) => r.status === 409)) {
      expect(r.body.code).toBe('SEAT_LIMIT_REACHED');
    }
    expect(await live(admin.organizationId, 'invited')).toBe(10);
  }, 120_000);
});
