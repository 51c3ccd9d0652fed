import { Module } from '@nestjs/common';

/** Backoffice registration and membership management (issue #5). */
@Module({})
export class RegistrationsModule {}
