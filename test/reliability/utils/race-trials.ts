import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../../src/config/config.js';
import { Scope } from '../../../src/memberships/membership.constants.js';
import { addMembership, countRows, createOrganization, createUser } from '../../utils/fixtures.js';
import { answer, jsonOf } from './http.js';
import { tokensOf } from './world.js';

/**
 * Races of identical writes: `concurrency` requests fired at once, spread over one
 * or more instances of the service, must leave exactly one winner, and the database must agree.
 */
export interface RaceContext {
  /** Base URLs of the instances; request i goes to urls[i % urls.length]. */
  urls: string[];
  ds: DataSource;
  config: AppConfig;
  concurrency: number;
}

export interface TrialResult {
  /** Requests that did the write. */
  winners: number;
  /** Status → count, for the report. */
  statuses: Record<string, number>;
  /** What the database says afterwards agrees with one winner. */
  consistent: boolean;
  detail: string;
}

const V1 = '/users-organizations/v1';
const PERMISSIONS = { group: 0, read: [1], manage: [] };

async function headersFor(ctx: RaceContext, userId: number, backoffice = false) {
  const t = await tokensOf(ctx.ds, ctx.config, userId, backoffice);
  return { authorization: `Bearer ${t.bearer}`, 'x-session-token': t.session };
}

function tally(labels: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of labels) {
    counts[l] = (counts[l] ?? 0) + 1;
  }
  return counts;
}

async function fire(
  ctx: RaceContext,
  make: (i: number) => { path: string; method: string; headers: Record<string, string>; body?: unknown },
) {
  // build every request first, then let them go together
  const requests = Array.from({ length: ctx.concurrency }, (_, i) => ({ i, ...make(i) }));
  return Promise.all(
    requests.map((r) =>
      answer(ctx.urls[r.i % ctx.urls.length], r.path, {
        method: r.method,
        headers: { ...r.headers, ...(r.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: r.body === undefined ? undefined : JSON.stringify(r.body),
        timeoutMs: 30_000,
      }),
    ),
  );
}

/** The same backoffice registration, `concurrency` times: one 201, the rest 409, one live row. */
export async function registrationRace(ctx: RaceContext): Promise<TrialResult> {
  const [userId, organizationId] = [await createUser(ctx.ds), await createOrganization(ctx.ds)];
  const headers = await headersFor(ctx, await createUser(ctx.ds), true);
  const results = await fire(ctx, () => ({
    method: 'POST',
    path: `${V1}/bo/users/register/${userId}/organizations/${organizationId}`,
    headers,
    body: { scope: Scope.MEMBER, permissions: PERMISSIONS },
  }));
  const winners = results.filter((r) => r.status === 201).length;
  const rows = await countRows(
    ctx.ds,
    'user_organizations',
    'user_id = $1 AND organization_id = $2 AND deleted_at IS NULL',
    [userId, organizationId],
  );
  const losersOk = results.every((r) => r.status === 201 || r.status === 409);
  return {
    winners,
    statuses: tally(results.map((r) => String(r.status))),
    consistent: rows === 1 && losersOk,
    detail: `live rows ${rows}`,
  };
}

/**
 * The same registration with the same Idempotency-Key, `concurrency` times: it runs once; the
 * others get 409 (still running) or the replayed 201; one row, one completed key.
 */
export async function idempotencyRace(ctx: RaceContext): Promise<TrialResult> {
  const [userId, organizationId] = [await createUser(ctx.ds), await createOrganization(ctx.ds)];
  const callerId = await createUser(ctx.ds);
  const headers = {
    ...(await headersFor(ctx, callerId, true)),
    'idempotency-key': `race-${randomBytes(8).toString('hex')}`,
  };
  const results = await fire(ctx, () => ({
    method: 'POST',
    path: `${V1}/bo/users/register/${userId}/organizations/${organizationId}`,
    headers,
    body: { scope: Scope.MEMBER, permissions: PERMISSIONS },
  }));
  const label = (r: (typeof results)[number]) =>
    r.status === 201 ? (r.headers['idempotent-replayed'] === 'true' ? '201 replayed' : '201') : String(r.status);
  const winners = results.filter((r) => label(r) === '201').length;
  const losersOk = results.every((r) => label(r).startsWith('201') || jsonOf(r)?.code === 'IDEMPOTENCY_KEY_IN_USE');
  const rows = await countRows(
    ctx.ds,
    'user_organizations',
    'user_id = $1 AND organization_id = $2 AND deleted_at IS NULL',
    [userId, organizationId],
  );
  const keys = await countRows(ctx.ds, 'idempotency_keys', `user_id = $1 AND status = 'completed'`, [callerId]);
  return {
    winners,
    statuses: tally(results.map(label)),
    consistent: rows === 1 && keys === 1 && losersOk,
    detail: `live rows ${rows}, completed keys ${keys}`,
  };
}

/**
 * Two active admins each demote themselves, `concurrency / 2` times each, all at once: one
 * demotion wins; every other request is refused (409 LAST_ADMIN for the remaining admin, 403
 * for the demoted one); exactly one active admin is left.
 */
export async function lastAdminDemotionRace(ctx: RaceContext): Promise<TrialResult> {
  const organizationId = await createOrganization(ctx.ds);
  const admins = [await createUser(ctx.ds), await createUser(ctx.ds)];
  for (const userId of admins) {
    await addMembership(ctx.ds, { userId, organizationId, scope: Scope.ADMIN });
  }
  const headers = await Promise.all(admins.map((id) => headersFor(ctx, id)));
  const results = await fire(ctx, (i) => ({
    method: 'PATCH',
    path: `${V1}/rs/na/${admins[i % 2]}/members/${admins[i % 2]}?organizationId=${organizationId}`,
    headers: headers[i % 2],
    body: { scope: Scope.MEMBER },
  }));
  const winners = results.filter((r) => r.status === 200).length;
  const left = await countRows(
    ctx.ds,
    'user_organizations',
    `organization_id = $1 AND scope = 1 AND status = 'active' AND deleted_at IS NULL`,
    [organizationId],
  );
  const losersOk = results.every((r) => [200, 403, 409].includes(r.status));
  return {
    winners,
    statuses: tally(results.map((r) => `${r.status}${r.status === 409 ? ` ${String(jsonOf(r)?.code)}` : ''}`)),
    consistent: left === 1 && losersOk,
    detail: `active admins left ${left}`,
  };
}

/** Two active admins each remove the other, all at once: one removal wins, one admin is left. */
export async function lastAdminRemovalRace(ctx: RaceContext): Promise<TrialResult> {
  const organizationId = await createOrganization(ctx.ds);
  const admins = [await createUser(ctx.ds), await createUser(ctx.ds)];
  for (const userId of admins) {
    await addMembership(ctx.ds, { userId, organizationId, scope: Scope.ADMIN });
  }
  const headers = await Promise.all(admins.map((id) => headersFor(ctx, id)));
  const results = await fire(ctx, (i) => ({
    method: 'DELETE',
    path: `${V1}/rs/na/${admins[i % 2]}/members/${admins[(i + 1) % 2]}?organizationId=${organizationId}`,
    headers: headers[i % 2],
  }));
  const winners = results.filter((r) => r.status === 200).length;
  const left = await countRows(
    ctx.ds,
    'user_organizations',
    `organization_id = $1 AND scope = 1 AND status = 'active' AND deleted_at IS NULL`,
    [organizationId],
  );
  const losersOk = results.every((r) => [200, 403, 404, 409].includes(r.status));
  return {
    winners,
    statuses: tally(results.map((r) => String(r.status))),
    consistent: left === 1 && losersOk,
    detail: `active admins left ${left}`,
  };
}

/**
 * The same invitation (same email, same organization), `concurrency` times: one 201, the rest
 * 409; one invitee user, one live membership, one queued email.
 */
export async function inviteRace(ctx: RaceContext): Promise<TrialResult> {
  const organizationId = await createOrganization(ctx.ds);
  const adminId = await createUser(ctx.ds);
  await addMembership(ctx.ds, { userId: adminId, organizationId, scope: Scope.ADMIN });
  const headers = await headersFor(ctx, adminId);
  const email = `race.${randomBytes(6).toString('hex')}@example.com`;
  const results = await fire(ctx, (i) =>
    // both seed routes, alternately: the same invitation either way
    i % 2 === 0
      ? {
          method: 'POST',
          path: `${V1}/rs/na/${adminId}/invite?organizationId=${organizationId}`,
          headers,
          body: { email, scope: Scope.MEMBER, permissions: { group: 0, read: [], manage: [] } },
        }
      : {
          method: 'POST',
          path: `${V1}/users/invite`,
          headers,
          body: { email: email.toUpperCase(), roleId: 'member', organizationId: String(organizationId) },
        },
  );
  const winners = results.filter((r) => r.status === 201).length;
  const users = await countRows(ctx.ds, 'users', 'lower(email) = $1 AND deleted_at IS NULL', [email]);
  const memberships = await countRows(
    ctx.ds,
    'user_organizations uo JOIN users u ON u.id = uo.user_id',
    'lower(u.email) = $1 AND uo.organization_id = $2 AND uo.deleted_at IS NULL',
    [email, organizationId],
  );
  const mails = await countRows(ctx.ds, 'mail_outbox', 'lower(recipient) = $1', [email]);
  const losersOk = results.every((r) => r.status === 201 || r.status === 409);
  return {
    winners,
    statuses: tally(results.map((r) => `${r.status}${r.status === 409 ? ` ${String(jsonOf(r)?.code)}` : ''}`)),
    consistent: users === 1 && memberships === 1 && mails === 1 && losersOk,
    detail: `users ${users}, live memberships ${memberships}, mails ${mails}`,
  };
}

export type Trial = (ctx: RaceContext) => Promise<TrialResult>;

export const TRIALS: [string, Trial][] = [
  ['identical registrations', registrationRace],
  ['identical invitations (both invite routes, email in two cases)', inviteRace],
  ['one Idempotency-Key', idempotencyRace],
  ['last admin: both demote themselves', lastAdminDemotionRace],
  ['last admin: each removes the other', lastAdminRemovalRace],
];

/** Runs a trial `times` times; the figure's value lists the winners of each run. */
export async function repeat(ctx: RaceContext, trial: Trial, times: number): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  for (let i = 0; i < times; i++) {
    results.push(await trial(ctx));
  }
  return results;
}

export function summary(results: TrialResult[], concurrency: number): string {
  const statuses: Record<string, number> = {};
  for (const r of results) {
    for (const [s, n] of Object.entries(r.statuses)) {
      statuses[s] = (statuses[s] ?? 0) + n;
    }
  }
  const perTrial = results.map((r) => r.winners).join(',');
  const all = Object.entries(statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(', ');
  return `${results.length} trials × ${concurrency}: winners ${perTrial}; ${all}`;
}
