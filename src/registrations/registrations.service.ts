import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { errorBody } from '../common/error-body.js';
import { isUniqueViolation } from '../database/pg-error.js';
import { Sql, type Queryable } from '../database/sql.js';
import type { MembershipDataDto } from '../memberships/dto/membership-data.dto.js';
import { etagOf } from '../memberships/if-match.js';
import { MembershipErrorCode } from '../memberships/membership-error-codes.js';
import { membershipSnapshot, toMembershipData } from '../memberships/membership.mapper.js';
import { MembershipRepository } from '../memberships/membership.repository.js';
import { LIVE_MEMBERSHIP_INDEX } from '../memberships/membership-row.js';
import { assertWithinPolicy } from '../memberships/membership.rules.js';
import type { MembershipActor } from '../memberships/memberships.service.js';
import { RolePresets } from '../roles/role-presets.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RegisterUserOrganizationDto } from './dto/register-user-organization.dto.js';

export interface RegistrationResult {
  body: { data: MembershipDataDto };
  etag: string;
}

/** Backoffice registration of existing users into organizations. */
@Injectable()
export class RegistrationsService {
  constructor(
    private readonly sql: Sql,
    private readonly memberships: MembershipRepository,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly roles: RolePresets,
  ) {}

  /**
   * An active membership, only when both the user and the organization are live; the partial
   * unique index turns a concurrent or existing live membership into 409, so 50 identical
   * requests make one row. A soft-deleted membership does not block: the new live row stands
   * beside it.
   */
  async register(
    actor: MembershipActor,
    userId: number,
    organizationId: number,
    dto: RegisterUserOrganizationDto,
  ): Promise<RegistrationResult> {
    try {
      const result = await this.sql.transaction(async (tx) => {
        const verdict = await this.memberships.policyVerdict(tx, organizationId, userId, { seats: 1, pending: 0 });
        if (verdict) {
          assertWithinPolicy(verdict);
        }
        // an unknown organization has no custom roles either: say which is unknown first
        const grant = await this.roles.grantOf(organizationId, dto, tx).catch(async (error: unknown) => {
          await this.assertLive(tx, userId, organizationId);
          throw error;
        });
        const membership = await this.memberships.register(tx, userId, organizationId, grant);
        if (!membership) {
          await this.assertLive(tx, userId, organizationId);
          throw new Error('the registration inserted nothing for a live user and organization');
        }
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
          tx,
        );
        return { body: { data: toMembershipData(membership) }, etag: etagOf(membership.version) };
      });
      this.metrics.registrations.inc();
      return result;
    } catch (error) {
      if (isUniqueViolation(error, LIVE_MEMBERSHIP_INDEX)) {
        throw new ConflictException(
          errorBody(
            'The user already has a live membership or pending invitation in this organization',
            MembershipErrorCode.MEMBERSHIP_ALREADY_EXISTS,
          ),
        );
      }
      throw error;
    }
  }

  /** 404 USER_NOT_FOUND or ORGANIZATION_NOT_FOUND unless both are live. */
  private async assertLive(tx: Queryable, userId: number, organizationId: number): Promise<void> {
    const live = await this.memberships.liveness(tx, userId, organizationId);
    if (live.user !== true) {
      throw new NotFoundException(errorBody('The user does not exist', MembershipErrorCode.USER_NOT_FOUND));
    }
    if (live.organization !== true) {
      throw new NotFoundException(
        errorBody('The organization does not exist', MembershipErrorCode.ORGANIZATION_NOT_FOUND),
      );
    }
  }
}
