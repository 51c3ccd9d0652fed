import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { AuthContext } from '../auth/auth-context.js';
import { errorBody } from '../common/error-body.js';
import { isUniqueViolation } from '../database/pg-error.js';
import { Sql, type Queryable } from '../database/sql.js';
import { normalizePermissions } from '../memberships/membership.constants.js';
import { MembershipRepository } from '../memberships/membership.repository.js';
import { assertWithinGrantCeiling } from '../memberships/membership.rules.js';
import type { MembershipActor } from '../memberships/memberships.service.js';
import { notOrganizationAdmin, OrganizationAdminPolicy } from '../memberships/organization-admin.policy.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import type { CreateRoleDto, RoleDto, UpdateRoleDto } from './dto/role.dto.js';
import { RoleErrorCode } from './role-error-codes.js';
import { BUILT_IN_ROLES, builtInRole } from './role-presets.js';
import { RoleRepository, type RoleRecord } from './role.repository.js';

/** Custom roles per organization, at most this many live at once. */
export const MAX_CUSTOM_ROLES = 50;

/** Who asks: an admin of the organization (bound by the grant ceiling) or backoffice. */
type Authority = 'admin' | 'backoffice';

const toDto = (role: RoleRecord, builtIn: boolean): RoleDto => ({
  key: role.key,
  name: role.name,
  scope: role.scope,
  permissions: role.permissions,
  builtIn,
});

const snapshot = (role: RoleRecord) => ({
  key: role.key,
  name: role.name,
  scope: role.scope,
  permissions: role.permissions,
});

function roleNotFound(key: string): NotFoundException {
  return new NotFoundException(errorBody(`The organization has no custom role "${key}"`, RoleErrorCode.ROLE_NOT_FOUND));
}

function builtInImmutable(key: string): ConflictException {
  return new ConflictException(
    errorBody(`"${key}" is a built-in role: it cannot be changed or deleted`, RoleErrorCode.ROLE_BUILT_IN),
  );
}

/**
 * The roles catalogue of an organization: the built-in `admin` and `member`, and custom roles
 * that its admins (within their own grant) and backoffice create, change and delete. Every
 * change locks the organization row, so the count of custom roles and the key's uniqueness are
 * decided one change at a time; each is audited (`role.created`, `role.updated`,
 * `role.deleted`). Memberships copied from a role keep what they got.
 */
@Injectable()
export class RolesService {
  constructor(
    private readonly sql: Sql,
    private readonly roles: RoleRepository,
    private readonly organizations: OrganizationsService,
    private readonly admins: OrganizationAdminPolicy,
    private readonly memberships: MembershipRepository,
    private readonly audit: AuditService,
  ) {}

  // ---- for an organization's admins (`rs`) ----------------------------------------------

  async listAsAdmin(auth: AuthContext, pathUserId: number, requested: number | undefined): Promise<RoleDto[]> {
    return this.list(await this.admins.callerAdminOrganization(auth, pathUserId, requested));
  }

  async createAsAdmin(
    actor: MembershipActor,
    pathUserId: number,
    requested: number | undefined,
    dto: CreateRoleDto,
  ): Promise<RoleDto> {
    return this.create(
      actor,
      'admin',
      await this.admins.callerAdminOrganization(actor.auth, pathUserId, requested),
      dto,
    );
  }

  async updateAsAdmin(
    actor: MembershipActor,
    pathUserId: number,
    requested: number | undefined,
    key: string,
    dto: UpdateRoleDto,
  ): Promise<RoleDto> {
    return this.update(
      actor,
      'admin',
      await this.admins.callerAdminOrganization(actor.auth, pathUserId, requested),
      key,
      dto,
    );
  }

  async removeAsAdmin(
    actor: MembershipActor,
    pathUserId: number,
    requested: number | undefined,
    key: string,
  ): Promise<RoleDto> {
    return this.remove(
      actor,
      'admin',
      await this.admins.callerAdminOrganization(actor.auth, pathUserId, requested),
      key,
    );
  }

  // ---- for anyone allowed (backoffice, or an admin once resolved) ------------------------

  async list(organizationId: number): Promise<RoleDto[]> {
    await this.organizations.get(organizationId);
    const custom = await this.roles.list(this.sql, organizationId);
    return [...BUILT_IN_ROLES.map((r) => toDto(r, true)), ...custom.map((r) => toDto(r, false))];
  }

  async create(
    actor: MembershipActor,
    authority: Authority,
    organizationId: number,
    dto: CreateRoleDto,
  ): Promise<RoleDto> {
    const role: RoleRecord = {
      key: dto.key,
      name: dto.name,
      scope: dto.scope,
      permissions: normalizePermissions(dto.permissions),
    };
    if (builtInRole(role.key)) {
      throw roleExists(role.key);
    }
    try {
      return await this.sql.transaction(async (tx) => {
        await this.organizations.lockLive(tx, organizationId);
        await this.assertMayGrant(tx, actor.auth, authority, organizationId, role);
        if ((await this.roles.countLive(tx, organizationId)) >= MAX_CUSTOM_ROLES) {
          throw new ConflictException(
            errorBody(
              `The organization has ${MAX_CUSTOM_ROLES} custom roles, the most it may have: delete one first`,
              RoleErrorCode.ROLE_LIMIT_REACHED,
            ),
          );
        }
        const created = await this.roles.insert(tx, organizationId, role);
        await this.record(tx, actor, 'role.created', organizationId, null, created);
        return toDto(created, false);
      });
    } catch (error) {
      throw isUniqueViolation(error) ? roleExists(role.key) : error;
    }
  }

  async update(
    actor: MembershipActor,
    authority: Authority,
    organizationId: number,
    key: string,
    dto: UpdateRoleDto,
  ): Promise<RoleDto> {
    return this.sql.transaction(async (tx) => {
      await this.organizations.lockLive(tx, organizationId);
      const before = await this.customRole(tx, organizationId, key);
      const next: RoleRecord = {
        key,
        name: dto.name ?? before.name,
        scope: dto.scope ?? before.scope,
        permissions: dto.permissions ? normalizePermissions(dto.permissions) : before.permissions,
      };
      // renaming grants nothing; a new scope or new permissions are a grant
      if (dto.scope !== undefined || dto.permissions !== undefined) {
        await this.assertMayGrant(tx, actor.auth, authority, organizationId, next);
      } else if (authority === 'admin') {
        await this.admins.assertAdmin(actor.auth.userId, organizationId, tx);
      }
      if (JSON.stringify(snapshot(before)) === JSON.stringify(snapshot(next))) {
        return toDto(before, false);
      }
      const after = await this.roles.update(tx, organizationId, next);
      await this.record(tx, actor, 'role.updated', organizationId, before, after);
      return toDto(after, false);
    });
  }

  /** Soft-deletes a custom role (it stays as history); answers the role as it was. */
  async remove(actor: MembershipActor, authority: Authority, organizationId: number, key: string): Promise<RoleDto> {
    return this.sql.transaction(async (tx) => {
      await this.organizations.lockLive(tx, organizationId);
      const before = await this.customRole(tx, organizationId, key);
      if (authority === 'admin') {
        await this.admins.assertAdmin(actor.auth.userId, organizationId, tx);
      }
      await this.roles.softDelete(tx, organizationId, key);
      await this.record(tx, actor, 'role.deleted', organizationId, before, null);
      return toDto(before, false);
    });
  }

  // ---- rules ---------------------------------------------------------------------------

  /** A live custom role, locked; 409 for a built-in key, 404 for an unknown one. */
  private async customRole(tx: Queryable, organizationId: number, key: string): Promise<RoleRecord> {
    if (builtInRole(key)) {
      throw builtInImmutable(key);
    }
    const found = await this.roles.get(tx, organizationId, key, true);
    if (!found) {
      throw roleNotFound(key);
    }
    return found;
  }

  /**
   * An admin defines no role that grants more than it holds itself (the grant ceiling, read
   * from its own row locked in this transaction; 403 if it is no longer an active ADMIN).
   * Backoffice is not bound.
   */
  private async assertMayGrant(
    tx: Queryable,
    auth: AuthContext,
    authority: Authority,
    organizationId: number,
    role: RoleRecord,
  ): Promise<void> {
    if (authority !== 'admin') {
      return;
    }
    const granter = await this.memberships.lockGranter(tx, auth.userId, organizationId);
    if (!granter) {
      throw notOrganizationAdmin();
    }
    assertWithinGrantCeiling(granter, role);
  }

  private record(
    tx: Queryable,
    actor: MembershipActor,
    action: 'role.created' | 'role.updated' | 'role.deleted',
    organizationId: number,
    before: RoleRecord | null,
    after: RoleRecord | null,
  ): Promise<void> {
    return this.audit.record(
      {
        action,
        actor: actor.auth,
        organizationId,
        before: before && snapshot(before),
        after: after && snapshot(after),
        requestId: actor.requestId,
      },
      tx,
    );
  }
}

function roleExists(key: string): ConflictException {
  return new ConflictException(errorBody(`The organization already has a role "${key}"`, RoleErrorCode.ROLE_EXISTS));
}
