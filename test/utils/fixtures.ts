import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { issueSessionTokens, type IssuedTokens } from '../../src/auth/session-tokens.js';
import type { AppConfig } from '../../src/config/config.js';
import type { MembershipStatus, Permissions } from '../../src/memberships/membership.constants.js';
import { Scope } from '../../src/memberships/membership.constants.js';

/** Rows written straight to the tables, as backoffice scripts and other services do. */

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${randomBytes(5).toString('hex')}@example.com`;
}

export async function createUser(
  ds: DataSource,
  email = uniqueEmail(),
  status: 'active' | 'invited' = 'active',
): Promise<number> {
  const rows: { id: number }[] = await ds.query(`INSERT INTO users (email, status) VALUES ($1, $2) RETURNING id`, [
    email,
    status,
  ]);
  return Number(rows[0].id);
}

export async function createOrganization(
  ds: DataSource,
  name = `Org ${randomBytes(3).toString('hex')}`,
): Promise<number> {
  const rows: { id: number }[] = await ds.query(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, [name]);
  return Number(rows[0].id);
}

export interface MembershipFixture {
  userId: number;
  organizationId: number;
  scope?: Scope;
  status?: MembershipStatus;
  permissions?: Permissions;
  deleted?: boolean;
}

export async function addMembership(ds: DataSource, m: MembershipFixture): Promise<number> {
  const rows: { id: number }[] = await ds.query(
    `INSERT INTO user_organizations (user_id, organization_id, scope, permissions, status, deleted_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      m.userId,
      m.organizationId,
      m.scope ?? Scope.MEMBER,
      JSON.stringify(m.permissions ?? { group: 0, read: [1, 2, 3], manage: [1, 2, 3] }),
      m.status ?? 'active',
      m.deleted ? new Date() : null,
    ],
  );
  return Number(rows[0].id);
}

/** An organization with an active ADMIN, and tokens for that admin. */
export async function createAdmin(ds: DataSource, config: AppConfig) {
  const organizationId = await createOrganization(ds);
  const userId = await createUser(ds);
  await addMembership(ds, { userId, organizationId, scope: Scope.ADMIN });
  const tokens = await issueSessionTokens(ds, config, { userId });
  return { organizationId, userId, tokens, headers: authHeaders(tokens) };
}

export async function tokensFor(
  ds: DataSource,
  config: AppConfig,
  userId: number,
  options: { backoffice?: boolean; organizationId?: number } = {},
): Promise<IssuedTokens> {
  return issueSessionTokens(ds, config, { userId, ...options });
}

export function authHeaders(tokens: IssuedTokens): Record<string, string> {
  return { authorization: `Bearer ${tokens.bearer}`, 'x-session-token': tokens.session };
}

export async function countRows(
  ds: DataSource,
  table: string,
  where = 'TRUE',
  params: unknown[] = [],
): Promise<number> {
  const rows: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return rows[0].n;
}
