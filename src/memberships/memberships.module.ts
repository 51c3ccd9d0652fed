import { Module } from '@nestjs/common';
import { BackofficeMembershipsController } from './backoffice-memberships.controller.js';
import { MembersController } from './members.controller.js';
import { MembershipRepository } from './membership.repository.js';
import { MembershipsService } from './memberships.service.js';
import { OrganizationAdminPolicy } from './organization-admin.policy.js';

/**
 * The membership core: the one repository of `user_organizations`, the admin policy, the
 * member routes of admins and backoffice. Invitations and registrations build on it.
 */
@Module({
  controllers: [MembersController, BackofficeMembershipsController],
  providers: [MembershipRepository, OrganizationAdminPolicy, MembershipsService],
  exports: [MembershipRepository, OrganizationAdminPolicy, MembershipsService],
})
export class MembershipsModule {}
