import { Module } from '@nestjs/common';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { BackofficeOrganizationsController } from './backoffice-organizations.controller.js';
import { MyOrganizationsController } from './my-organizations.controller.js';
import { MyOrganizationsService } from './my-organizations.service.js';
import { AdminPolicyController, BackofficePolicyController } from './policy.controllers.js';
import { PolicyService } from './policy.service.js';
import { OrganizationRepository } from './organization.repository.js';
import { OrganizationsService } from './organizations.service.js';

/** Organizations as such: a user's own list, and (for backoffice) their lifecycle and policy. */
@Module({
  imports: [MembershipsModule],
  controllers: [
    MyOrganizationsController,
    BackofficeOrganizationsController,
    BackofficePolicyController,
    AdminPolicyController,
  ],
  providers: [MyOrganizationsService, OrganizationRepository, OrganizationsService, PolicyService],
  exports: [OrganizationRepository, OrganizationsService],
})
export class OrganizationsModule {}
