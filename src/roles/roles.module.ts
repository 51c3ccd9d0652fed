import { Module } from '@nestjs/common';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { AdminRolesController, BackofficeRolesController } from './roles.controllers.js';
import { RolesService } from './roles.service.js';

/** The roles catalogue of each organization, for its admins and for backoffice. */
@Module({
  imports: [MembershipsModule, OrganizationsModule],
  controllers: [AdminRolesController, BackofficeRolesController],
  providers: [RolesService],
})
export class RolesModule {}
