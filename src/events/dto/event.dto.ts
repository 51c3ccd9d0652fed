import { ApiProperty } from '@nestjs/swagger';

const MEMBERSHIP_SNAPSHOT_EXAMPLE = {
  scope: 2,
  permissions: { group: 0, read: [1], manage: [] },
  professionId: null,
  status: 'active',
  deletedAt: null,
};

/** What changed, for whom and where; the same object a webhook delivers as `data`. */
export class EventDataDto {
  @ApiProperty({ description: 'The organization it happened in', type: Number, nullable: true, example: 1 })
  organizationId!: number | null;

  @ApiProperty({
    description: 'The user it is about (member, invitee, registered user)',
    type: Number,
    nullable: true,
    example: 7,
  })
  userId!: number | null;

  @ApiProperty({ description: 'The membership (or invitation) row', type: Number, nullable: true, example: 42 })
  membershipId!: number | null;

  @ApiProperty({ description: 'Who did it (null: the system)', type: Number, nullable: true, example: 3 })
  actorUserId!: number | null;

  @ApiProperty({
    description: 'The membership or invitation before the change (null when it was created)',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: MEMBERSHIP_SNAPSHOT_EXAMPLE,
  })
  before!: Record<string, unknown> | null;

  @ApiProperty({
    description: 'The membership or invitation after the change',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { ...MEMBERSHIP_SNAPSHOT_EXAMPLE, scope: 1 },
  })
  after!: Record<string, unknown> | null;
}

/** One audited change, as the events feed returns it and webhooks deliver it. */
export class EventDto {
  @ApiProperty({
    description: 'Unique identifier of the event; also the `webhook-id` of its deliveries',
    example: 1042,
  })
  id!: number;

  @ApiProperty({
    description:
      'What happened: invitation.created, invitation.resent, invitation.accepted, invitation.declined, ' +
      'invitation.revoked, invitation.expired, membership.registered, membership.updated, membership.removed, ' +
      'membership.left, membership.restored, organization.*',
    example: 'membership.updated',
  })
  type!: string;

  @ApiProperty({ description: 'When the change happened', format: 'date-time', example: '2024-12-09T14:23:00.000Z' })
  createdAt!: string;

  @ApiProperty({ description: 'The organization it happened in', type: Number, nullable: true, example: 1 })
  organizationId!: number | null;

  @ApiProperty({ description: 'The change', type: EventDataDto })
  data!: EventDataDto;
}
