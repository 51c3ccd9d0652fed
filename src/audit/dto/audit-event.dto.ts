import { ApiProperty } from '@nestjs/swagger';

/** One entry of the audit trail. */
export class AuditEventDto {
  @ApiProperty({ description: 'Unique identifier of the event; higher is newer', example: 10 })
  id!: number;

  @ApiProperty({
    description: 'When the change was committed',
    format: 'date-time',
    example: '2024-12-09T14:23:00.000Z',
  })
  occurredAt!: string;

  @ApiProperty({ description: 'What happened', example: 'membership.updated' })
  action!: string;

  @ApiProperty({ description: 'Who did it (null for the system)', type: Number, nullable: true, example: 3 })
  actorUserId!: number | null;

  @ApiProperty({
    description:
      'In which session: the first 32 hex characters of the SHA-256 of the session id (null for the ' +
      'system). Equal for every event of one session; the session id itself is never shown',
    type: String,
    nullable: true,
    pattern: '^[0-9a-f]{32}$',
    example: '3f1c9a0e5b7d2c4a8e6f1b3d5c7a9e0f',
  })
  actorSessionHash!: string | null;

  @ApiProperty({ description: 'In which organization', type: Number, nullable: true, example: 1 })
  organizationId!: number | null;

  @ApiProperty({ description: 'About which user', type: Number, nullable: true, example: 7 })
  targetUserId!: number | null;

  @ApiProperty({ description: 'Which membership row', type: Number, nullable: true, example: 42 })
  membershipId!: number | null;

  @ApiProperty({
    description: 'The membership before the change (scope, permissions, professionId, status, deletedAt)',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: {
      scope: 2,
      permissions: { group: 0, read: [1], manage: [] },
      professionId: null,
      status: 'active',
      deletedAt: null,
    },
  })
  before!: Record<string, unknown> | null;

  @ApiProperty({
    description: 'The membership after the change',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: {
      scope: 1,
      permissions: { group: 0, read: [1], manage: [] },
      professionId: null,
      status: 'active',
      deletedAt: null,
    },
  })
  after!: Record<string, unknown> | null;

  @ApiProperty({
    description: 'The x-request-id of the request that made the change',
    type: String,
    nullable: true,
    example: '0f4c2a52-2c4e-4b8e-9a55-6c2c1bb4b1f3',
  })
  requestId!: string | null;
}
