import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  PreconditionFailedException,
} from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AuthErrorCode } from '../auth/auth.constants.js';
import type { AuthContext } from '../auth/auth-context.js';
import { OrganizationAdminPolicy } from '../auth/organization-admin.policy.js';
import { decodeCursor, pageOf } from '../common/cursor.js';
import { errorBody } from '../common/error-body.js';
import { DEFAULT_PAGE_SIZE, type ListMembershipsQueryDto } from './dto/list-memberships-query.dto.js';
import type { MemberPageDto } from './dto/member-page.dto.js';
import type { MemberDto } from './dto/member.dto.js';
import type { UpdateMembershipDto } from './dto/update-membership.dto.js';
import { etagOf } from './if-match.js';
import { Scope, type MembershipEndReason, type Permissions } from './membership.constants.js';
import { MembershipErrorCode } from './membership-error-codes.js';
import { membershipSnapshot, toMemberData } from './membership.mapper.js';
import { membershipColumns, rowToMembership, type MembershipRow } from './membership-row.js';
import type { UserOrganization } from './user-organization.entity.js';
import { withTransactionRetry } from './transaction-retry.js';
import { queryForRead } from '../database/read-retry.js';

/** Who is making a change, for the rules and the audit trail. */
export interface MembershipActor {
  auth: AuthContext;
  requestId: string;
}

/** A single membership and its entity tag (the controller sends it as `ETag`). */
export interface MemberResult {
  data: MemberDto;
  etag: string;
}

/**
 * How a change is authorized. `admin`: an `rs` route, the caller must be an active ADMIN
 * of the organization (checked again under the lock the change takes) and may not grant
 * what it does not hold. `backoffice`: a `bo` route, the guard has checked the role.
 */
export type Authority = 'admin' | 'backoffice';

interface LockedAdmin {
  id: number;
  userId: number;
  permissions: Permissions;
}

type JoinedRow = MembershipRow & { email: string; organization_name: string };

interface Locked {
  admins: LockedAdmin[];
  target: UserOrganization;
  joined: { email: string; organizationName: string };
}

/** `%`, `_` and `\` match themselves in a prefix search. */
const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);

const toResult = (row: UserOrganization, joined: Locked['joined']): MemberResult => ({
  data: toMemberData(row, joined),
  etag: etagOf(row.version),
});

/**
 * Reading and managing memberships, for an organization's admins (`rs`) and for
 * backoffice (`bo`). The rules live here: last admin, no escalation, optimistic
 * concurrency. Every change takes the same locks in the same order (the organization's
 * active ADMIN rows by id, then the target row), so two changes that could together
 * leave an organization without an admin run one after the other, and the second sees
 * what the first did (PITFALLS: database: only the database decides).
 */
@Injectable()
export class MembershipsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: OrganizationAdminPolicy,
    private readonly audit: AuditService,
  ) {}

  // ---- reads -------------------------------------------------------------------------

  /** An admin's view of its organization's members and pending invitations. */
  async listAsAdmin(
    auth: AuthContext,
    pathUserId: number,
    query: ListMembershipsQueryDto & { organizationId?: number },
  ): Promise<MemberPageDto> {
    this.policy.assertCaller(auth, pathUserId);
    const organizationId = await this.policy.resolveAdminOrganization(auth, query.organizationId);
    return this.list({ organizationId }, query);
  }

  /** Backoffice: any organization's memberships; 404 for an organization that never existed. */
  async listForOrganization(organizationId: number, query: ListMembershipsQueryDto): Promise<MemberPageDto> {
    const page = await this.list({ organizationId }, query);
    if (page.data.length === 0) {
      await this.assertExists('organizations', organizationId, MembershipErrorCode.ORGANIZATION_NOT_FOUND);
    }
    return page;
  }

  /** Backoffice: any user's memberships; 404 for a user that never existed. */
  async listForUser(userId: number, query: ListMembershipsQueryDto): Promise<MemberPageDto> {
    const page = await this.list({ userId }, query);
    if (page.data.length === 0) {
      await this.assertExists('users', userId, MembershipErrorCode.USER_NOT_FOUND);
    }
    return page;
  }

  async getAsAdmin(
    auth: AuthContext,
    pathUserId: number,
    memberUserId: number,
    requestedOrganizationId: number | undefined,
  ): Promise<MemberResult> {
    this.policy.assertCaller(auth, pathUserId);
    const organizationId = await this.policy.resolveAdminOrganization(auth, requestedOrganizationId);
    return this.getLive(organizationId, memberUserId);
  }

  /** The live membership of a user in an organization, or 404. */
  async getLive(organizationId: number, userId: number): Promise<MemberResult> {
    const rows = await queryForRead<JoinedRow[]>(
      this.dataSource,
      `SELECT ${membershipColumns('uo')}, u.email, o.name AS organization_name
         FROM user_organizations uo
         JOIN users u ON u.id = uo.user_id
         JOIN organizations o ON o.id = uo.organization_id
        WHERE uo.organization_id = $1 AND uo.user_id = $2 AND uo.deleted_at IS NULL`,
      [organizationId, userId],
    );
    if (rows.length === 0) {
      throw membershipNotFound();
    }
    return toResult(rowToMembership(rows[0]), { email: rows[0].email, organizationName: rows[0].organization_name });
  }

  // ---- changes -----------------------------------------------------------------------

  /** PATCH by an admin (`rs`): the organization comes from the query or the session. */
  async updateAsAdmin(
    actor: MembershipActor,
    pathUserId: number,
    memberUserId: number,
    requestedOrganizationId: number | undefined,
    changes: UpdateMembershipDto,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    this.policy.assertCaller(actor.auth, pathUserId);
    const organizationId = await this.policy.resolveAdminOrganization(actor.auth, requestedOrganizationId);
    return this.update(actor, 'admin', organizationId, memberUserId, changes, ifMatch);
  }

  async removeAsAdmin(
    actor: MembershipActor,
    pathUserId: number,
    memberUserId: number,
    requestedOrganizationId: number | undefined,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    this.policy.assertCaller(actor.auth, pathUserId);
    const organizationId = await this.policy.resolveAdminOrganization(actor.auth, requestedOrganizationId);
    return this.remove(actor, 'admin', organizationId, memberUserId, ifMatch);
  }

  /** Changes scope, permissions and/or profession of a live membership. */
  async update(
    actor: MembershipActor,
    authority: Authority,
    organizationId: number,
    memberUserId: number,
    changes: UpdateMembershipDto,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    if (changes.scope === undefined && changes.permissions === undefined && changes.professionId === undefined) {
      throw new BadRequestException(
        errorBody('Give at least one of scope, permissions, professionId', MembershipErrorCode.NOTHING_TO_UPDATE),
      );
    }
    return withTransactionRetry(this.dataSource, async (manager) => {
      const {
        admins,
        target: before,
        joined,
      } = await this.lock(manager, actor, authority, organizationId, memberUserId);
      const permissions = changes.permissions ? normalizePermissions(changes.permissions) : before.permissions;
      const rows: MembershipRow[] = await manager.query(
        `WITH changed AS (
         UPDATE user_organizations
            SET scope = $3, permissions = $4::jsonb, profession_id = $5,
                version = version + 1, updated_at = now()
          WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[]))
          RETURNING ${membershipColumns()})
         SELECT * FROM changed`,
        [
          before.id,
          ifMatch ?? null,
          changes.scope ?? before.scope,
          JSON.stringify(permissions),
          changes.professionId === undefined ? before.professionId : changes.professionId,
        ],
      );
      const after = this.changed(rows, before);
      if (authority === 'admin' && !actor.auth.isBackoffice) {
        assertNoEscalation(admins, actor.auth.userId, before, after);
      }
      assertAdminRemains(admins, before, after);
      await this.audit.record(
        {
          action: 'membership.updated',
          actor: actor.auth,
          organizationId,
          targetUserId: memberUserId,
          membershipId: before.id,
          before: membershipSnapshot(before),
          after: membershipSnapshot(after),
          requestId: actor.requestId,
        },
        manager,
      );
      return toResult(after, joined);
    });
  }

  /** Soft-deletes a live membership (or pending invitation): end_reason `removed`. */
  async remove(
    actor: MembershipActor,
    authority: Authority,
    organizationId: number,
    memberUserId: number,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    return this.end(actor, authority, organizationId, memberUserId, ifMatch, 'removed');
  }

  /** The caller leaves an organization: its own active membership ends with end_reason `left`. */
  async leave(
    actor: MembershipActor,
    pathUserId: number,
    organizationId: number,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    this.policy.assertCaller(actor.auth, pathUserId);
    return this.end(actor, 'self', organizationId, actor.auth.userId, ifMatch, 'left');
  }

  private async end(
    actor: MembershipActor,
    authority: Authority | 'self',
    organizationId: number,
    memberUserId: number,
    ifMatch: number[] | undefined,
    reason: Extract<MembershipEndReason, 'removed' | 'left'>,
  ): Promise<MemberResult> {
    return withTransactionRetry(this.dataSource, async (manager) => {
      const {
        admins,
        target: before,
        joined,
      } = await this.lock(manager, actor, authority, organizationId, memberUserId);
      if (authority === 'self' && before.status === 'invited') {
        throw new ConflictException(
          errorBody(
            'This membership is a pending invitation: decline it instead of leaving',
            MembershipErrorCode.INVITATION_PENDING,
          ),
        );
      }
      const rows: MembershipRow[] = await manager.query(
        `WITH changed AS (
         UPDATE user_organizations
            SET deleted_at = now(), end_reason = $3, ended_by = $4,
                version = version + 1, updated_at = now()
          WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[]))
          RETURNING ${membershipColumns()})
         SELECT * FROM changed`,
        [before.id, ifMatch ?? null, reason, actor.auth.userId],
      );
      const after = this.changed(rows, before);
      assertAdminRemains(admins, before, after);
      await this.audit.record(
        {
          action: reason === 'left' ? 'membership.left' : 'membership.removed',
          actor: actor.auth,
          organizationId,
          targetUserId: memberUserId,
          membershipId: before.id,
          before: membershipSnapshot(before),
          after: { ...membershipSnapshot(after), endReason: reason },
          requestId: actor.requestId,
        },
        manager,
      );
      return toResult(after, joined);
    });
  }

  /**
   * Takes the change's locks: the organization's active ADMIN rows (ordered by id, so
   * concurrent changes queue instead of deadlocking), then the target's live row. A
   * waiting transaction re-reads the rows once the other commits (READ COMMITTED), so
   * the admins it counts are the admins that remain.
   */
  private async lock(
    manager: EntityManager,
    actor: MembershipActor,
    authority: Authority | 'self',
    organizationId: number,
    memberUserId: number,
  ): Promise<Locked> {
    const adminRows: { id: number; user_id: number; permissions: Permissions }[] = await manager.query(
      `SELECT id, user_id, permissions
         FROM user_organizations
        WHERE organization_id = $1 AND scope = $2 AND status = 'active' AND deleted_at IS NULL
        ORDER BY id
          FOR UPDATE`,
      [organizationId, Scope.ADMIN],
    );
    const admins = adminRows.map((r) => ({ id: Number(r.id), userId: Number(r.user_id), permissions: r.permissions }));
    // The caller's admin rights were checked before the transaction; a concurrent change
    // may have ended them since, and only the locked rows tell.
    if (authority === 'admin' && !admins.some((a) => a.userId === actor.auth.userId)) {
      throw new ForbiddenException(
        errorBody('The caller is not an active admin of this organization', AuthErrorCode.NOT_ORGANIZATION_ADMIN),
      );
    }
    const rows: JoinedRow[] = await manager.query(
      `SELECT ${membershipColumns('uo')}, u.email, o.name AS organization_name
         FROM user_organizations uo
         JOIN users u ON u.id = uo.user_id
         JOIN organizations o ON o.id = uo.organization_id
        WHERE uo.organization_id = $1 AND uo.user_id = $2 AND uo.deleted_at IS NULL
          FOR UPDATE OF uo`,
      [organizationId, memberUserId],
    );
    if (rows.length === 0) {
      throw membershipNotFound();
    }
    return {
      admins,
      target: rowToMembership(rows[0]),
      joined: { email: rows[0].email, organizationName: rows[0].organization_name },
    };
  }

  /** The UPDATE's RETURNING: no row means the version in `If-Match` is stale (the row is locked, so nothing else). */
  private changed(rows: MembershipRow[], before: UserOrganization): UserOrganization {
    if (rows.length === 0) {
      throw new PreconditionFailedException(
        errorBody(
          `The membership has changed since you read it (its ETag is now "${before.version}"): read it again`,
          MembershipErrorCode.PRECONDITION_FAILED,
          { currentVersion: before.version },
        ),
      );
    }
    return rowToMembership(rows[0]);
  }

  private async list(
    owner: { organizationId: number } | { userId: number },
    query: ListMembershipsQueryDto,
  ): Promise<MemberPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor);
    const params: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const ownerColumn = 'organizationId' in owner ? 'organization_id' : 'user_id';
    const ownerParam = param('organizationId' in owner ? owner.organizationId : owner.userId);
    where.push(`uo.${ownerColumn} = ${ownerParam}`);
    if (!query.includeDeleted) {
      where.push('uo.deleted_at IS NULL');
    }
    if (query.status !== undefined) {
      where.push(`uo.status = ${param(query.status)}`);
    }
    if (query.scope !== undefined) {
      where.push(`uo.scope = ${param(query.scope)}`);
    }
    if (query.email !== undefined) {
      where.push(`lower(u.email) LIKE ${param(`${escapeLike(query.email.toLowerCase())}%`)} ESCAPE '\\'`);
    }
    // Without a cursor, the keyset starts at the owner's first row (min(id) from the (owner, id)
    // index). Left unbounded, PostgreSQL walks the primary key from the start of the table for a
    // large owner, past every older row of everybody else: 3.4 ms instead of 0.4 ms for the first
    // page of an organization whose members start 20,000 rows into the table (issue #7).
    where.push(
      after !== undefined
        ? `uo.id > ${param(after)}`
        : `uo.id >= (SELECT min(earliest.id) FROM user_organizations earliest WHERE earliest.${ownerColumn} = ${ownerParam})`,
    );
    const rows = await queryForRead<JoinedRow[]>(
      this.dataSource,
      `SELECT ${membershipColumns('uo')}, u.email, o.name AS organization_name
         FROM user_organizations uo
         JOIN users u ON u.id = uo.user_id
         JOIN organizations o ON o.id = uo.organization_id
        WHERE ${where.join(' AND ')}
        ORDER BY uo.id
        LIMIT ${param(limit + 1)}`,
      params,
    );
    const { items, nextCursor } = pageOf(
      rows.map((r) => ({ id: Number(r.id), row: r })),
      limit,
    );
    return {
      data: items.map(({ row }) =>
        toMemberData(rowToMembership(row), { email: row.email, organizationName: row.organization_name }),
      ),
      nextCursor,
    };
  }

  private async assertExists(
    table: 'users' | 'organizations',
    id: number,
    code: MembershipErrorCode.USER_NOT_FOUND | MembershipErrorCode.ORGANIZATION_NOT_FOUND,
  ): Promise<void> {
    const rows = await queryForRead<unknown[]>(this.dataSource, `SELECT 1 FROM ${table} WHERE id = $1`, [id]);
    if (rows.length === 0) {
      throw new NotFoundException(
        errorBody(table === 'users' ? 'The user does not exist' : 'The organization does not exist', code),
      );
    }
  }
}

export function membershipNotFound(): NotFoundException {
  return new NotFoundException(
    errorBody('The user has no live membership in this organization', MembershipErrorCode.MEMBERSHIP_NOT_FOUND),
  );
}

/** Exactly the three fields, whatever object carried them. */
export function normalizePermissions(p: Permissions): Permissions {
  return { group: p.group, read: [...p.read], manage: [...p.manage] };
}

/**
 * The last active ADMIN can be neither demoted, removed nor leave. `admins` are the locked
 * active ADMIN rows, so no concurrent change can be counted on.
 */
function assertAdminRemains(admins: LockedAdmin[], before: UserOrganization, after: UserOrganization): void {
  const wasActiveAdmin = before.status === 'active' && before.scope === Scope.ADMIN;
  const staysActiveAdmin = after.deletedAt === null && after.status === 'active' && after.scope === Scope.ADMIN;
  if (wasActiveAdmin && !staysActiveAdmin && !admins.some((a) => a.id !== before.id)) {
    throw new ConflictException(
      errorBody(
        'This is the last active admin of the organization: make another member admin first',
        MembershipErrorCode.LAST_ADMIN,
      ),
    );
  }
}

/**
 * No escalation: an admin may grant only what it holds. Scope is no issue (an admin holds
 * the highest scope); permission ids are: a newly granted `read` id must be among the
 * caller's `read` or `manage` ids, a newly granted `manage` id among its `manage` ids.
 * Ids the member already had may stay. `group` is a classification, not a grant.
 */
function assertNoEscalation(
  admins: LockedAdmin[],
  callerId: number,
  before: UserOrganization,
  after: UserOrganization,
): void {
  const caller = admins.find((a) => a.userId === callerId);
  if (!caller) {
    throw new ForbiddenException(
      errorBody('The caller is not an active admin of this organization', AuthErrorCode.NOT_ORGANIZATION_ADMIN),
    );
  }
  const canRead = new Set([...caller.permissions.read, ...caller.permissions.manage]);
  const canManage = new Set(caller.permissions.manage);
  const hadRead = new Set(before.permissions.read);
  const hadManage = new Set(before.permissions.manage);
  const read = after.permissions.read.filter((id) => !hadRead.has(id) && !canRead.has(id));
  const manage = after.permissions.manage.filter((id) => !hadManage.has(id) && !canManage.has(id));
  if (read.length > 0 || manage.length > 0) {
    throw new ForbiddenException(
      errorBody('You cannot grant permissions you do not hold yourself', MembershipErrorCode.PERMISSION_ESCALATION, {
        details: [
          ...(read.length > 0 ? [{ path: 'permissions.read', message: `not yours to grant: ${read.join(', ')}` }] : []),
          ...(manage.length > 0
            ? [{ path: 'permissions.manage', message: `not yours to grant: ${manage.join(', ')}` }]
            : []),
        ],
      }),
    );
  }
}
