import { Module } from '@nestjs/common';

/** Invitations: the seed invite routes and the invitation lifecycle (issue #4). */
@Module({})
export class InvitationsModule {}
