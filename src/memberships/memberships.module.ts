import { Module } from '@nestjs/common';
import { BackofficeMembershipsController } from './backoffice-memberships.controller.js';
import { MembersController } from './members.controller.js';
import { MembershipRepository } from './membership.repository.js';
import { MembershipsService } from './memberships.service.js';
import { OrganizationAdminPolicy } from './organization-admin.policy.js';
import { RolePresetsModule } from '../roles/role-presets.module.js';

/**
 * The membership core: the one repository of `user_organizations`, the admin policy, the
 * member routes of admins and backoffice, and role keys turned into grants. Invitations and
 * registrations build on it.
 */
@Module({
  imports: [RolePresetsModule],
  controllers: [MembersController, BackofficeMembershipsController],
  providers: [MembershipRepository, OrganizationAdminPolicy, MembershipsService],
  exports: [MembershipRepository, OrganizationAdminPolicy, MembershipsService, RolePresetsModule],
})
export class MembershipsModule {}
