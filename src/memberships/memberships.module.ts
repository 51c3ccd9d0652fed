import { Module } from '@nestjs/common';
import { MembershipsService } from './memberships.service.js';

/** Reading and managing memberships; its routes live in RegistrationsModule (issue #5). */
@Module({ providers: [MembershipsService], exports: [MembershipsService] })
export class MembershipsModule {}
