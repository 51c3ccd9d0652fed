import { BadRequestException, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { AuthContext } from '../auth/auth-context.js';
import { errorBody } from '../common/error-body.js';
import { Sql } from '../database/sql.js';
import { MembershipErrorCode } from '../memberships/membership-error-codes.js';
import type { MembershipActor } from '../memberships/memberships.service.js';
import { OrganizationAdminPolicy } from '../memberships/organization-admin.policy.js';
import type { PolicyDto, UpdatePolicyDto } from './dto/policy.dto.js';
import { OrganizationRepository, type OrganizationRecord } from './organization.repository.js';
import { organizationNotFound, OrganizationsService } from './organizations.service.js';

const toPolicy = (o: OrganizationRecord): PolicyDto => ({
  maxMembers: o.maxMembers,
  maxPendingInvitations: o.maxPendingInvitations,
  allowedEmailDomains: o.allowedEmailDomains,
});

const samePolicy = (a: PolicyDto, b: PolicyDto): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Reading and setting an organization's limits and allowed email domains: backoffice sets
 * all three, an organization's admins read them and set the domains. Lowering a limit below
 * what is used removes nobody; the limits are enforced where memberships are added.
 */
@Injectable()
export class PolicyService {
  constructor(
    private readonly sql: Sql,
    private readonly organizations: OrganizationRepository,
    private readonly lifecycle: OrganizationsService,
    private readonly admins: OrganizationAdminPolicy,
    private readonly audit: AuditService,
  ) {}

  async get(organizationId: number): Promise<PolicyDto> {
    const found = await this.organizations.get(this.sql, organizationId);
    if (!found || found.deletedAt !== null) {
      throw organizationNotFound();
    }
    return toPolicy(found);
  }

  async getAsAdmin(auth: AuthContext, pathUserId: number, requested: number | undefined): Promise<PolicyDto> {
    const organizationId = await this.admins.callerAdminOrganization(auth, pathUserId, requested);
    return this.get(organizationId);
  }

  async updateAsAdmin(
    actor: MembershipActor,
    pathUserId: number,
    requested: number | undefined,
    allowedEmailDomains: string[] | null,
  ): Promise<PolicyDto> {
    const organizationId = await this.admins.callerAdminOrganization(actor.auth, pathUserId, requested);
    return this.update(actor, organizationId, { allowedEmailDomains }, true);
  }

  async update(
    actor: MembershipActor,
    organizationId: number,
    change: UpdatePolicyDto,
    asAdmin = false,
  ): Promise<PolicyDto> {
    if (
      change.maxMembers === undefined &&
      change.maxPendingInvitations === undefined &&
      change.allowedEmailDomains === undefined
    ) {
      throw new BadRequestException(
        errorBody(
          'Give at least one of maxMembers, maxPendingInvitations, allowedEmailDomains',
          MembershipErrorCode.NOTHING_TO_UPDATE,
        ),
      );
    }
    return this.sql.transaction(async (tx) => {
      const before = await this.lifecycle.lockLive(tx, organizationId);
      if (asAdmin) {
        // checked before the transaction; a concurrent demotion may have ended it since
        await this.admins.assertAdmin(actor.auth.userId, organizationId, tx);
      }
      const next: PolicyDto = {
        maxMembers: change.maxMembers === undefined ? before.maxMembers : change.maxMembers,
        maxPendingInvitations:
          change.maxPendingInvitations === undefined ? before.maxPendingInvitations : change.maxPendingInvitations,
        allowedEmailDomains:
          change.allowedEmailDomains === undefined ? before.allowedEmailDomains : change.allowedEmailDomains,
      };
      if (samePolicy(toPolicy(before), next)) {
        return next;
      }
      const after = await this.organizations.update(tx, organizationId, next);
      await this.audit.record(
        {
          action: 'organization.policy_updated',
          actor: actor.auth,
          organizationId,
          before: { ...toPolicy(before) },
          after: { ...toPolicy(after) },
          requestId: actor.requestId,
        },
        tx,
      );
      return toPolicy(after);
    });
  }
}
