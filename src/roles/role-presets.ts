import { BadRequestException, Injectable } from '@nestjs/common';
import { errorBody } from '../common/error-body.js';
import { Sql, type Queryable } from '../database/sql.js';
import {
  DEFAULT_PERMISSIONS,
  normalizePermissions,
  Scope,
  type Permissions,
} from '../memberships/membership.constants.js';
import type { MembershipGrant } from '../memberships/membership.rules.js';
import { RoleErrorCode } from './role-error-codes.js';
import { RoleRepository, type RoleRecord } from './role.repository.js';

/** A role key: lower-case letters, digits and dashes, 1 to 40 characters. */
export const ROLE_KEY_PATTERN = /^[a-z0-9-]{1,40}$/;

/** The two roles every organization has; they are not rows, and cannot be changed or deleted. */
export const BUILT_IN_ROLES: readonly RoleRecord[] = [
  { key: 'admin', name: 'Admin', scope: Scope.ADMIN, permissions: DEFAULT_PERMISSIONS },
  { key: 'member', name: 'Member', scope: Scope.MEMBER, permissions: DEFAULT_PERMISSIONS },
];

export const builtInRole = (key: string): RoleRecord | undefined => BUILT_IN_ROLES.find((r) => r.key === key);

/** What a role puts into a membership: a copy of its scope and permissions, and its key. */
export interface RoleGrant {
  scope: Scope;
  permissions: Permissions;
  roleKey: string;
}

const grantOfRole = (role: RoleRecord): RoleGrant => ({
  scope: role.scope,
  permissions: role.permissions,
  roleKey: role.key,
});

/** The grant of a built-in role. */
export const builtInGrant = (key: 'admin' | 'member'): RoleGrant => grantOfRole(builtInRole(key)!);

/** A grant given field by field (validation made sure both fields are there): no role. */
export function fieldGrant(body: { scope?: Scope; permissions?: Permissions }): MembershipGrant {
  return { scope: body.scope!, permissions: normalizePermissions(body.permissions!), roleKey: null };
}

/** 400 UNKNOWN_ROLE; `path` is where the key was in the body. */
export function unknownRole(key: string, path = 'roleKey'): BadRequestException {
  return new BadRequestException(
    errorBody(`The organization has no role "${key}"`, RoleErrorCode.UNKNOWN_ROLE, {
      details: [{ path, message: 'no such role in this organization' }],
    }),
  );
}

/**
 * Turns a `roleKey` into the grant it stands for, in a given organization: a role is a preset,
 * copied into the membership when it is made or changed, so later changes of the role leave
 * memberships as they are. 400 UNKNOWN_ROLE for a key the organization does not have.
 */
@Injectable()
export class RolePresets {
  constructor(
    private readonly sql: Sql,
    private readonly roles: RoleRepository,
  ) {}

  /**
   * The grant a body asks for, in either style: `roleKey` (resolved here), or `scope` and
   * `permissions` (validation made sure exactly one style is there).
   */
  async grantOf(
    organizationId: number,
    body: { roleKey?: string; scope?: Scope; permissions?: Permissions },
    q: Queryable = this.sql,
  ): Promise<MembershipGrant> {
    return body.roleKey === undefined ? fieldGrant(body) : this.resolve(organizationId, body.roleKey, q);
  }

  /** The grant of the role; 400 UNKNOWN_ROLE when the organization has none of that key. */
  async resolve(organizationId: number, roleKey: string, q: Queryable = this.sql): Promise<RoleGrant> {
    const grant = await this.find(organizationId, roleKey, q);
    if (!grant) {
      throw unknownRole(roleKey);
    }
    return grant;
  }

  /** The grant of the role, or undefined when the organization has none of that key. */
  async find(organizationId: number, roleKey: string, q: Queryable = this.sql): Promise<RoleGrant | undefined> {
    const role = builtInRole(roleKey) ?? (await this.roles.get(q, organizationId, roleKey));
    return role && grantOfRole(role);
  }
}
