import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { errorBody } from '../common/error-body.js';
import type { MembershipDataDto } from '../memberships/dto/membership-data.dto.js';
import { etagOf } from '../memberships/if-match.js';
import { MembershipErrorCode } from '../memberships/membership-error-codes.js';
import {
  LIVE_MEMBERSHIP_INDEX,
  membershipColumns,
  rowToMembership,
  type MembershipRow,
} from '../memberships/membership-row.js';
import { membershipSnapshot, toMemberData, toMembershipData } from '../memberships/membership.mapper.js';
import { normalizePermissions, type MemberResult, type MembershipActor } from '../memberships/memberships.service.js';
import { constraintOf, sqlStateOf, withTransactionRetry } from '../memberships/transaction-retry.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RegisterUserOrganizationDto } from './dto/register-user-organization.dto.js';
import type { RestoreMembershipDto } from './dto/restore-membership.dto.js';

export interface RegistrationResult {
  body: { data: MembershipDataDto };
  etag: string;
}

type JoinedRow = MembershipRow & { email: string; organization_name: string };

function alreadyMember(): ConflictException {
  return new ConflictException(
    errorBody(
      'The user already has a live membership or pending invitation in this organization',
      MembershipErrorCode.MEMBERSHIP_ALREADY_EXISTS,
    ),
  );
}

/** Only the partial unique index on live memberships decides "already a member" (PITFALLS: database). */
function isLiveMembershipConflict(error: unknown): boolean {
  return sqlStateOf(error) === '23505' && constraintOf(error) === LIVE_MEMBERSHIP_INDEX;
}

/** Backoffice registration of existing users into organizations, and restoring removed memberships. */
@Injectable()
export class RegistrationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * One INSERT ... SELECT that inserts only when both the user and the organization are
   * live; the partial unique index turns a concurrent or existing live membership into
   * 23505 → 409, so 50 identical requests make one row. A soft-deleted membership does
   * not block: the new live row stands beside it.
   */
  async register(
    actor: MembershipActor,
    userId: number,
    organizationId: number,
    dto: RegisterUserOrganizationDto,
  ): Promise<RegistrationResult> {
    try {
      const result = await this.dataSource.transaction(async (manager) => {
        const rows: MembershipRow[] = await manager.query(
          `INSERT INTO user_organizations (user_id, organization_id, scope, permissions, status)
           SELECT u.id, o.id, $3, $4::jsonb, 'active'
             FROM users u CROSS JOIN organizations o
            WHERE u.id = $1 AND u.deleted_at IS NULL AND o.id = $2 AND o.deleted_at IS NULL
           RETURNING ${membershipColumns()}`,
          [userId, organizationId, dto.scope, JSON.stringify(normalizePermissions(dto.permissions))],
        );
        if (rows.length === 0) {
          await this.assertLive(manager, userId, organizationId);
          // both live now: one was deleted and restored while the INSERT ran
          throw new NotFoundException(
            errorBody('The user or the organization does not exist', MembershipErrorCode.USER_NOT_FOUND),
          );
        }
        const membership = rowToMembership(rows[0]);
        await this.audit.record(
          {
            action: 'membership.registered',
            actor: actor.auth,
            organizationId,
            targetUserId: userId,
            membershipId: membership.id,
            before: null,
            after: membershipSnapshot(membership),
            requestId: actor.requestId,
          },
          manager,
        );
        return { body: { data: toMembershipData(membership) }, etag: etagOf(membership.version) };
      });
      this.metrics.registrations.inc();
      return result;
    } catch (error) {
      throw isLiveMembershipConflict(error) ? alreadyMember() : error;
    }
  }

  /**
   * Brings a soft-deleted membership back. It keeps its scope and permissions unless new
   * ones are given. A live membership of the same user and organization makes the UPDATE
   * violate the partial unique index: 409.
   */
  async restore(
    actor: MembershipActor,
    userId: number,
    organizationId: number,
    dto: RestoreMembershipDto,
  ): Promise<MemberResult> {
    try {
      return await withTransactionRetry(this.dataSource, async (manager) => {
        await this.assertLive(manager, userId, organizationId);
        const before = await this.lockRestorable(manager, userId, organizationId, dto.membershipId);
        const membership = rowToMembership(before);
        if (membership.status !== 'active') {
          throw new ConflictException(
            errorBody(
              'An ended invitation cannot be restored: invite the user again, or register it',
              MembershipErrorCode.MEMBERSHIP_NOT_RESTORABLE,
            ),
          );
        }
        const rows: MembershipRow[] = await manager.query(
          `WITH changed AS (
         UPDATE user_organizations
              SET deleted_at = NULL, end_reason = NULL, ended_by = NULL,
                  scope = $2, permissions = $3::jsonb, version = version + 1, updated_at = now()
            WHERE id = $1
            RETURNING ${membershipColumns()})
         SELECT * FROM changed`,
          [
            membership.id,
            dto.scope ?? membership.scope,
            JSON.stringify(dto.permissions ? normalizePermissions(dto.permissions) : membership.permissions),
          ],
        );
        const after = rowToMembership(rows[0]);
        await this.audit.record(
          {
            action: 'membership.restored',
            actor: actor.auth,
            organizationId,
            targetUserId: userId,
            membershipId: membership.id,
            before: { ...membershipSnapshot(membership), endReason: membership.endReason },
            after: membershipSnapshot(after),
            requestId: actor.requestId,
          },
          manager,
        );
        return {
          data: toMemberData(after, { email: before.email, organizationName: before.organization_name }),
          etag: etagOf(after.version),
        };
      });
    } catch (error) {
      throw isLiveMembershipConflict(error) ? alreadyMember() : error;
    }
  }

  /** The row to restore, locked: the one named, else the most recently removed one. */
  private async lockRestorable(
    manager: EntityManager,
    userId: number,
    organizationId: number,
    membershipId: number | undefined,
  ): Promise<JoinedRow> {
    const select = `SELECT ${membershipColumns('uo')}, u.email, o.name AS organization_name
                      FROM user_organizations uo
                      JOIN users u ON u.id = uo.user_id
                      JOIN organizations o ON o.id = uo.organization_id
                     WHERE uo.user_id = $1 AND uo.organization_id = $2`;
    const rows: JoinedRow[] =
      membershipId === undefined
        ? await manager.query(
            `${select} AND uo.deleted_at IS NOT NULL
              ORDER BY uo.deleted_at DESC, uo.id DESC
              LIMIT 1
                FOR UPDATE OF uo`,
            [userId, organizationId],
          )
        : await manager.query(`${select} AND uo.id = $3 FOR UPDATE OF uo`, [userId, organizationId, membershipId]);
    if (rows.length === 0) {
      throw new NotFoundException(
        errorBody(
          membershipId === undefined
            ? 'The user has no removed membership in this organization to restore'
            : 'No membership with this id belongs to this user and organization',
          MembershipErrorCode.MEMBERSHIP_NOT_FOUND,
        ),
      );
    }
    if (rows[0].deleted_at === null) {
      throw alreadyMember();
    }
    return rows[0];
  }

  /** 404 naming what is missing: an unknown or soft-deleted user or organization. */
  private async assertLive(manager: EntityManager, userId: number, organizationId: number): Promise<void> {
    const rows: { user_live: boolean | null; organization_live: boolean | null }[] = await manager.query(
      `SELECT (SELECT deleted_at IS NULL FROM users WHERE id = $1) AS user_live,
              (SELECT deleted_at IS NULL FROM organizations WHERE id = $2) AS organization_live`,
      [userId, organizationId],
    );
    if (rows[0].user_live !== true) {
      throw new NotFoundException(errorBody('The user does not exist', MembershipErrorCode.USER_NOT_FOUND));
    }
    if (rows[0].organization_live !== true) {
      throw new NotFoundException(
        errorBody('The organization does not exist', MembershipErrorCode.ORGANIZATION_NOT_FOUND),
      );
    }
  }
}
