import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { AuthErrorCode } from '../auth/auth.constants.js';
import type { AuthContext } from '../auth/auth-context.js';
import { errorBody } from '../common/error-body.js';
import type { Queryable } from '../database/sql.js';
import { MembershipRepository } from './membership.repository.js';

/**
 * Who may act as an organization's admin on `rs` routes: an active ADMIN membership in a
 * live organization, and which organization a route acts on.
 */
@Injectable()
export class OrganizationAdminPolicy {
  constructor(private readonly memberships: MembershipRepository) {}

  /** The path `{userId}` of an `rs` route must be the caller. */
  assertCaller(auth: AuthContext, pathUserId: number): void {
    if (pathUserId !== auth.userId) {
      throw new ForbiddenException(errorBody('The path userId is not the caller', AuthErrorCode.NOT_THE_CALLER));
    }
  }

  /** The organization asked for: the query parameter, else the session's; undefined when neither. */
  requestedOrganization(auth: AuthContext, requested: number | undefined): number | undefined {
    return requested ?? auth.organizationId;
  }

  /**
   * The organization the caller acts on: `requested` (the query parameter), else the
   * session's organization, else the caller's only organization where it is ADMIN.
   * Throws 403 unless the caller is an active ADMIN there, 400 when it must choose.
   */
  async resolveAdminOrganization(auth: AuthContext, requested: number | undefined): Promise<number> {
    const explicit = this.requestedOrganization(auth, requested);
    if (explicit !== undefined) {
      await this.assertAdmin(auth.userId, explicit);
      return explicit;
    }
    const organizations = await this.memberships.adminOrganizations(auth.userId, 101);
    if (organizations.length === 0) {
      throw new ForbiddenException(
        errorBody('The caller is not an admin of any organization', AuthErrorCode.NOT_ORGANIZATION_ADMIN),
      );
    }
    if (organizations.length > 1) {
      const count = organizations.length > 100 ? 'more than 100' : String(organizations.length);
      throw new BadRequestException(
        errorBody(
          `The caller administers ${count} organizations: pass organizationId to choose one`,
          AuthErrorCode.ORGANIZATION_REQUIRED,
          { choices: organizations.length > 100 ? undefined : organizations.length },
        ),
      );
    }
    return organizations[0];
  }

  /**
   * An `rs` admin route's organization: the path `{userId}` must be the caller (403), then as
   * {@link resolveAdminOrganization}.
   */
  async callerAdminOrganization(auth: AuthContext, pathUserId: number, requested: number | undefined): Promise<number> {
    this.assertCaller(auth, pathUserId);
    return this.resolveAdminOrganization(auth, requested);
  }

  isAdmin(userId: number, organizationId: number, tx?: Queryable): Promise<boolean> {
    return this.memberships.isActiveAdmin(userId, organizationId, tx);
  }

  async assertAdmin(userId: number, organizationId: number, tx?: Queryable): Promise<void> {
    if (!(await this.isAdmin(userId, organizationId, tx))) {
      throw notOrganizationAdmin();
    }
  }
}

export function notOrganizationAdmin(): ForbiddenException {
  return new ForbiddenException(
    errorBody('The caller is not an active admin of this organization', AuthErrorCode.NOT_ORGANIZATION_ADMIN),
  );
}
