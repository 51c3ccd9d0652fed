import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { errorBody } from '../common/error-body.js';
import { Scope } from '../memberships/membership.constants.js';
import { AuthErrorCode } from './auth.constants.js';
import type { AuthContext } from './auth-context.js';
import { queryForRead } from '../database/read-retry.js';

/**
 * Who may act as an organization's admin (CONTRACT §2, §4.1): an active, live ADMIN
 * membership in a live organization. Shared by every `rs` route.
 */
@Injectable()
export class OrganizationAdminPolicy {
  constructor(private readonly dataSource: DataSource) {}

  /** The path `{userId}` of an `rs` route must be the caller. */
  assertCaller(auth: AuthContext, pathUserId: number): void {
    if (pathUserId !== auth.userId) {
      throw new ForbiddenException(errorBody('The path userId is not the caller', AuthErrorCode.NOT_THE_CALLER));
    }
  }

  /**
   * The organization the caller acts on: `requested` (the query parameter), else the
   * session's organization, else the caller's only organization where it is ADMIN.
   * Throws 403 unless the caller is an active ADMIN there.
   */
  async resolveAdminOrganization(
    auth: AuthContext,
    requested: number | undefined,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const explicit = requested ?? auth.organizationId;
    if (explicit !== undefined) {
      await this.assertAdmin(auth.userId, explicit, manager);
      return explicit;
    }
    const rows = await queryForRead<{ organization_id: number }[]>(
      manager,
      `SELECT uo.organization_id
         FROM user_organizations uo
         JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
        WHERE uo.user_id = $1 AND uo.scope = $2 AND uo.status = 'active' AND uo.deleted_at IS NULL
        ORDER BY uo.organization_id
        LIMIT 101`,
      [auth.userId, Scope.ADMIN],
    );
    if (rows.length === 0) {
      throw new ForbiddenException(
        errorBody('The caller is not an admin of any organization', AuthErrorCode.NOT_ORGANIZATION_ADMIN),
      );
    }
    if (rows.length > 1) {
      const count = rows.length > 100 ? 'more than 100' : String(rows.length);
      throw new BadRequestException(
        errorBody(
          `The caller administers ${count} organizations: pass organizationId to choose one`,
          AuthErrorCode.ORGANIZATION_REQUIRED,
          { choices: rows.length > 100 ? undefined : rows.length },
        ),
      );
    }
    return Number(rows[0].organization_id);
  }

  async isAdmin(
    userId: number,
    organizationId: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const rows = await queryForRead<unknown[]>(
      manager,
      `SELECT 1
         FROM user_organizations uo
         JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
        WHERE uo.user_id = $1 AND uo.organization_id = $2 AND uo.scope = $3
          AND uo.status = 'active' AND uo.deleted_at IS NULL`,
      [userId, organizationId, Scope.ADMIN],
    );
    return rows.length > 0;
  }

  async assertAdmin(
    userId: number,
    organizationId: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    if (!(await this.isAdmin(userId, organizationId, manager))) {
      throw new ForbiddenException(
        errorBody('The caller is not an active admin of this organization', AuthErrorCode.NOT_ORGANIZATION_ADMIN),
      );
    }
  }
}
