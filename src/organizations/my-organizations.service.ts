import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../auth/auth-context.js';
import { decodeCursor } from '../common/cursor.js';
import { MembershipRepository } from '../memberships/membership.repository.js';
import { OrganizationAdminPolicy } from '../memberships/organization-admin.policy.js';
import {
  MY_ORGANIZATIONS_PAGE_SIZE,
  type ListMyOrganizationsQueryDto,
  type MyOrganizationPageDto,
} from './dto/my-organization.dto.js';

/** Any caller's own organizations: where it is a member, or invited. */
@Injectable()
export class MyOrganizationsService {
  constructor(
    private readonly memberships: MembershipRepository,
    private readonly policy: OrganizationAdminPolicy,
  ) {}

  async list(
    auth: AuthContext,
    pathUserId: number,
    query: ListMyOrganizationsQueryDto,
  ): Promise<MyOrganizationPageDto> {
    this.policy.assertCaller(auth, pathUserId);
    const page = await this.memberships.organizationsOf(auth.userId, {
      after: decodeCursor(query.cursor),
      limit: query.limit ?? MY_ORGANIZATIONS_PAGE_SIZE,
    });
    return {
      data: page.items.map(({ membership: m, organizationName }) => ({
        organization: { id: m.organizationId, name: organizationName },
        scope: m.scope,
        permissions: { group: m.permissions.group, read: m.permissions.read, manage: m.permissions.manage },
        roleKey: m.roleKey,
        status: m.status,
      })),
      nextCursor: page.nextCursor,
    };
  }
}
