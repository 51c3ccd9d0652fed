import { ApiProperty } from '@nestjs/swagger';
import { MEMBERSHIP_END_REASONS, type MembershipEndReason } from '../membership.constants.js';
import { MembershipDataDto } from './membership-data.dto.js';

/**
 * A membership (or pending invitation) as the management routes show it: the seed's
 * `data` fields plus what an admin or backoffice needs to act on it.
 */
export class MemberDto extends MembershipDataDto {
  @ApiProperty({ description: 'Unique identifier of the membership row', example: 42 })
  id!: number;

  @ApiProperty({ description: "The member's email address", example: 'jane.doe@example.com' })
  email!: string;

  @ApiProperty({ description: "The organization's name", example: 'Acme' })
  organizationName!: string;

  @ApiProperty({
    description: 'Who invited the user (null when registered by backoffice)',
    type: Number,
    nullable: true,
    example: 3,
  })
  invitedBy!: number | null;

  @ApiProperty({
    description: 'When a pending invitation expires (null for members)',
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
  })
  invitationExpiresAt!: string | null;

  @ApiProperty({
    description: 'Why the membership ended (null while live)',
    // null listed among the values, as OpenAPI 3.0 requires for a nullable enum
    enum: [...MEMBERSHIP_END_REASONS, null],
    nullable: true,
    example: null,
  })
  endReason!: MembershipEndReason | null;

  @ApiProperty({ description: 'Who ended it (null while live)', type: Number, nullable: true, example: null })
  endedBy!: number | null;

  @ApiProperty({
    description: 'The role the grant was copied from; null for a grant given as scope and permissions',
    type: String,
    nullable: true,
    example: 'member',
  })
  roleKey!: string | null;

  @ApiProperty({
    description: 'Incremented on every change; the ETag of this membership is this number, quoted',
    example: 1,
  })
  version!: number;
}
