import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
  PreconditionFailedException,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { AuthContext } from '../auth/auth-context.js';
import { errorBody } from '../common/error-body.js';
import { isUniqueViolation } from '../database/pg-error.js';
import { Sql, type Queryable } from '../database/sql.js';
import { DEFAULT_PAGE_SIZE, type ListMembershipsQueryDto } from './dto/list-memberships-query.dto.js';
import type { MemberPageDto } from './dto/member-page.dto.js';
import type { MemberDto } from './dto/member.dto.js';
import type { RestoreMembershipDto } from './dto/restore-membership.dto.js';
import type { UpdateMembershipDto } from './dto/update-membership.dto.js';
import { etagOf } from './if-match.js';
import { normalizePermissions } from './membership.constants.js';
import { MembershipErrorCode } from './membership-error-codes.js';
import { invitationSnapshot, membershipSnapshot, toMemberData } from './membership.mapper.js';
import { MembershipRepository, type JoinedMembership, type LockedAdmin } from './membership.repository.js';
import { LIVE_MEMBERSHIP_INDEX, type Membership } from './membership-row.js';
import {
  assertAdminRemains,
  assertWithinGrantCeiling,
  assertWithinPolicy,
  changesNothing,
  liveInvitationState,
  losesAdminAuthority,
} from './membership.rules.js';
import { notOrganizationAdmin, OrganizationAdminPolicy } from './organization-admin.policy.js';
import { RolePresets } from '../roles/role-presets.js';

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
 * `self`: the member acts on its own membership (leaving).
 */
export type Authority = 'admin' | 'backoffice' | 'self';

const toResult = (row: Membership, names: Pick<JoinedMembership, 'email' | 'organizationName'>): MemberResult => ({
  data: toMemberData(row, names),
  etag: etagOf(row.version),
});

export function membershipNotFound(): NotFoundException {
  return new NotFoundException(
    errorBody('The user has no live membership in this organization', MembershipErrorCode.MEMBERSHIP_NOT_FOUND),
  );
}

function alreadyMember(): ConflictException {
  return new ConflictException(
    errorBody(
      'The user already has a live membership or pending invitation in this organization',
      MembershipErrorCode.MEMBERSHIP_ALREADY_EXISTS,
    ),
  );
}

/**
 * Reading and managing memberships, for an organization's admins (`rs`), for backoffice
 * (`bo`) and for the member itself (leave). The rules are in membership.rules.ts, the SQL in
 * MembershipRepository; this orders them inside one transaction per change.
 */
@Injectable()
export class MembershipsService {
  constructor(
    private readonly sql: Sql,
    private readonly memberships: MembershipRepository,
    private readonly policy: OrganizationAdminPolicy,
    private readonly audit: AuditService,
    private readonly roles: RolePresets,
  ) {}

  // ---- reads -------------------------------------------------------------------------

  /** An admin's view of its organization's members and pending invitations. */
  async listAsAdmin(
    auth: AuthContext,
    pathUserId: number,
    query: ListMembershipsQueryDto & { organizationId?: number },
  ): Promise<MemberPageDto> {
    const organizationId = await this.policy.callerAdminOrganization(auth, pathUserId, query.organizationId);
    return this.list({ organizationId }, query);
  }

  /** Backoffice: any live organization's memberships; 404 for an unknown or deleted one. */
  async listForOrganization(organizationId: number, query: ListMembershipsQueryDto): Promise<MemberPageDto> {
    const page = await this.list({ organizationId }, query);
    if (page.data.length === 0) {
      await this.assertLive(this.sql, null, organizationId);
    }
    return page;
  }

  /** Backoffice: any user's memberships in live organizations; 404 for a user that never existed. */
  async listForUser(userId: number, query: ListMembershipsQueryDto): Promise<MemberPageDto> {
    const page = await this.list({ userId }, query);
    if (page.data.length === 0) {
      const { user } = await this.memberships.liveness(this.sql, userId, null);
      if (user === null) {
        throw new NotFoundException(errorBody('The user does not exist', MembershipErrorCode.USER_NOT_FOUND));
      }
    }
    return page;
  }

  async getAsAdmin(
    auth: AuthContext,
    pathUserId: number,
    memberUserId: number,
    requestedOrganizationId: number | undefined,
  ): Promise<MemberResult> {
    const organizationId = await this.policy.callerAdminOrganization(auth, pathUserId, requestedOrganizationId);
    return this.getLive(organizationId, memberUserId);
  }

  /** The live membership of a user in a live organization, or 404. */
  async getLive(organizationId: number, userId: number): Promise<MemberResult> {
    const found = await this.memberships.getLive(organizationId, userId);
    if (!found) {
      throw membershipNotFound();
    }
    return toResult(found.membership, found);
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
    const organizationId = await this.policy.callerAdminOrganization(actor.auth, pathUserId, requestedOrganizationId);
    return this.update(actor, 'admin', organizationId, memberUserId, changes, ifMatch);
  }

  async removeAsAdmin(
    actor: MembershipActor,
    pathUserId: number,
    memberUserId: number,
    requestedOrganizationId: number | undefined,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    const organizationId = await this.policy.callerAdminOrganization(actor.auth, pathUserId, requestedOrganizationId);
    return this.remove(actor, 'admin', organizationId, memberUserId, ifMatch);
  }

  /**
   * Changes scope, permissions and/or profession of a live membership. A change that changes
   * nothing (permissions compared as sets) answers the membership as it is: same ETag, no
   * version bump, no audit row.
   */
  async update(
    actor: MembershipActor,
    authority: Exclude<Authority, 'self'>,
    organizationId: number,
    memberUserId: number,
    changes: UpdateMembershipDto,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    if (
      changes.scope === undefined &&
      changes.permissions === undefined &&
      changes.roleKey === undefined &&
      changes.professionId === undefined
    ) {
      throw new BadRequestException(
        errorBody(
          'Give at least one of roleKey, scope, permissions, professionId',
          MembershipErrorCode.NOTHING_TO_UPDATE,
        ),
      );
    }
    return this.sql.transaction(async (tx) => {
      const { admins, target } = await this.lock(tx, actor, authority, organizationId, memberUserId);
      const before = target.membership;
      const role =
        changes.roleKey === undefined ? undefined : await this.roles.resolve(organizationId, changes.roleKey, tx);
      const grantChanged = changes.scope !== undefined || changes.permissions !== undefined;
      const next = {
        scope: role?.scope ?? changes.scope ?? before.scope,
        permissions:
          role?.permissions ?? (changes.permissions ? normalizePermissions(changes.permissions) : before.permissions),
        // a grant given field by field is no longer the role's
        roleKey: role ? role.roleKey : grantChanged ? null : before.roleKey,
        professionId: changes.professionId === undefined ? before.professionId : changes.professionId,
      };
      if (authority === 'admin') {
        assertWithinGrantCeiling(granterOf(admins, actor.auth.userId), next, before);
      }
      if (changesNothing(before, next)) {
        assertVersion(before, ifMatch);
        return toResult(before, target);
      }
      const after = await this.memberships.update(tx, before.id, ifMatch, next);
      if (!after) {
        throw preconditionFailed(before);
      }
      assertAdminRemains(before, after, otherAdmins(admins, before));
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
        tx,
      );
      await this.revokeInvitationsIfAuthorityLost(tx, actor, before, after);
      return toResult(after, target);
    });
  }

  /** Soft-deletes a live membership (or pending invitation): end_reason `removed`. */
  async remove(
    actor: MembershipActor,
    authority: Exclude<Authority, 'self'>,
    organizationId: number,
    memberUserId: number,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    return this.end(actor, authority, organizationId, memberUserId, ifMatch);
  }

  /** The caller leaves an organization: its own active membership ends with end_reason `left`. */
  async leave(
    actor: MembershipActor,
    pathUserId: number,
    organizationId: number,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    this.policy.assertCaller(actor.auth, pathUserId);
    return this.end(actor, 'self', organizationId, actor.auth.userId, ifMatch);
  }

  /**
   * Backoffice brings a soft-deleted membership back. It keeps its scope and permissions
   * unless new ones are given. A live membership of the same user and organization makes the
   * UPDATE violate the partial unique index: 409.
   */
  async restore(
    actor: MembershipActor,
    userId: number,
    organizationId: number,
    dto: RestoreMembershipDto,
  ): Promise<MemberResult> {
    try {
      return await this.sql.transaction(async (tx) => {
        await this.assertLive(tx, userId, organizationId);
        const found = await this.memberships.lockRestorable(tx, userId, organizationId, dto.membershipId);
        if (!found) {
          throw new NotFoundException(
            errorBody(
              dto.membershipId === undefined
                ? 'The user has no removed membership in this organization to restore'
                : 'No membership with this id belongs to this user and organization',
              MembershipErrorCode.MEMBERSHIP_NOT_FOUND,
            ),
          );
        }
        const before = found.membership;
        if (before.deletedAt === null) {
          throw alreadyMember();
        }
        if (before.status !== 'active') {
          throw new ConflictException(
            errorBody(
              'An ended invitation cannot be restored: invite the user again, or register it',
              MembershipErrorCode.MEMBERSHIP_NOT_RESTORABLE,
            ),
          );
        }
        const verdict = await this.memberships.policyVerdict(tx, organizationId, userId, { seats: 1, pending: 0 });
        if (verdict) {
          assertWithinPolicy(verdict);
        }
        const regranted = dto.scope !== undefined || dto.permissions !== undefined;
        const after = await this.memberships.restore(tx, before.id, {
          scope: dto.scope ?? before.scope,
          permissions: dto.permissions ? normalizePermissions(dto.permissions) : before.permissions,
          roleKey: regranted ? null : before.roleKey,
        });
        await this.audit.record(
          {
            action: 'membership.restored',
            actor: actor.auth,
            organizationId,
            targetUserId: userId,
            membershipId: before.id,
            before: { ...membershipSnapshot(before), endReason: before.endReason },
            after: membershipSnapshot(after),
            requestId: actor.requestId,
          },
          tx,
        );
        return toResult(after, found);
      });
    } catch (error) {
      throw isUniqueViolation(error, LIVE_MEMBERSHIP_INDEX) ? alreadyMember() : error;
    }
  }

  private async end(
    actor: MembershipActor,
    authority: Authority,
    organizationId: number,
    memberUserId: number,
    ifMatch: number[] | undefined,
  ): Promise<MemberResult> {
    const reason = authority === 'self' ? 'left' : 'removed';
    return this.sql.transaction(async (tx) => {
      const { admins, target } = await this.lock(tx, actor, authority, organizationId, memberUserId);
      const before = target.membership;
      if (authority === 'self' && before.status === 'invited') {
        throw new ConflictException(
          errorBody(
            'This membership is a pending invitation: decline it instead of leaving',
            MembershipErrorCode.INVITATION_PENDING,
          ),
        );
      }
      const after = await this.memberships.end(tx, before.id, ifMatch, reason, actor.auth.userId);
      if (!after) {
        throw preconditionFailed(before);
      }
      assertAdminRemains(before, after, otherAdmins(admins, before));
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
        tx,
      );
      await this.revokeInvitationsIfAuthorityLost(tx, actor, before, after);
      return toResult(after, target);
    });
  }

  /**
   * Takes a change's locks: the organization's active ADMIN rows, then the target's live row
   * (404 when the organization is unknown or deleted, or the user has no live membership).
   */
  private async lock(
    tx: Queryable,
    actor: MembershipActor,
    authority: Authority,
    organizationId: number,
    memberUserId: number,
  ): Promise<{ admins: LockedAdmin[]; target: JoinedMembership }> {
    const admins = await this.memberships.lockActiveAdmins(tx, organizationId);
    // The caller's admin rights were checked before the transaction; a concurrent change
    // may have ended them since, and only the locked rows tell.
    if (authority === 'admin') {
      granterOf(admins, actor.auth.userId);
    }
    const target = await this.memberships.lockLive(tx, organizationId, memberUserId);
    if (!target) {
      throw membershipNotFound();
    }
    return { admins, target };
  }

  /**
   * An ADMIN that stops being an active ADMIN takes the pending invitations it sent into the
   * organization with it, in the same transaction, each audited.
   */
  private async revokeInvitationsIfAuthorityLost(
    tx: Queryable,
    actor: MembershipActor,
    before: Membership,
    after: Membership,
  ): Promise<void> {
    if (!losesAdminAuthority(before, after)) {
      return;
    }
    const revoked = await this.memberships.revokeInvitationsSentBy(
      tx,
      before.organizationId,
      before.userId,
      actor.auth.userId,
    );
    for (const invitation of revoked) {
      await this.audit.record(
        {
          action: 'invitation.revoked',
          actor: actor.auth,
          organizationId: invitation.after.organizationId,
          targetUserId: invitation.after.userId,
          membershipId: invitation.after.id,
          before: invitationSnapshot(invitation.before),
          after: { ...invitationSnapshot(invitation.after), endReason: 'inviter_lost_access' },
          requestId: actor.requestId,
        },
        tx,
      );
    }
  }

  private async list(
    owner: { organizationId: number } | { userId: number },
    query: ListMembershipsQueryDto,
  ): Promise<MemberPageDto> {
    const page = await this.memberships.list(owner, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    return {
      data: page.items.map((item) => ({
        ...toMemberData(item.membership, item),
        state: liveInvitationState({ ...item.membership, expired: item.expired }),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** 404 naming what is missing: an unknown or soft-deleted user or organization. */
  private async assertLive(q: Queryable, userId: number | null, organizationId: number): Promise<void> {
    const live = await this.memberships.liveness(q, userId, organizationId);
    if (userId !== null && live.user !== true) {
      throw new NotFoundException(errorBody('The user does not exist', MembershipErrorCode.USER_NOT_FOUND));
    }
    if (live.organization !== true) {
      throw new NotFoundException(
        errorBody('The organization does not exist', MembershipErrorCode.ORGANIZATION_NOT_FOUND),
      );
    }
  }
}

/** The caller's own locked ADMIN row: its grant is the ceiling of what it may grant. */
function granterOf(admins: LockedAdmin[], callerId: number): LockedAdmin {
  const granter = admins.find((a) => a.userId === callerId);
  if (!granter) {
    throw notOrganizationAdmin();
  }
  return granter;
}

const otherAdmins = (admins: LockedAdmin[], target: Membership): number =>
  admins.filter((a) => a.id !== target.id).length;

function preconditionFailed(current: Membership): PreconditionFailedException {
  return new PreconditionFailedException(
    errorBody(
      `The membership has changed since you read it (its ETag is now "${current.version}"): read it again`,
      MembershipErrorCode.PRECONDITION_FAILED,
      { currentVersion: current.version },
    ),
  );
}

/** A change that writes nothing still honours If-Match. */
function assertVersion(current: Membership, ifMatch: number[] | undefined): void {
  if (ifMatch !== undefined && !ifMatch.includes(current.version)) {
    throw preconditionFailed(current);
  }
}
