import { Module } from '@nestjs/common';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { BackofficeMembershipsController } from './backoffice-memberships.controller.js';
import { MembersController } from './members.controller.js';
import { RegistrationsController } from './registrations.controller.js';
import { RegistrationsService } from './registrations.service.js';

/** Backoffice registration and membership management (issue #5). */
@Module({
  imports: [MembershipsModule],
  controllers: [RegistrationsController, BackofficeMembershipsController, MembersController],
  providers: [RegistrationsService],
})
export class RegistrationsModule {}
