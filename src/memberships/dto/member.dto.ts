import { ApiProperty } from '@nestjs/swagger';
import {
  MEMBERSHIP_END_REASONS,
  MEMBERSHIP_STATUSES,
  Scope,
  type MembershipEndReason,
  type MembershipStatus,
} from '../membership.constants.js';
import { PermissionsDto } from './permissions.dto.js';

/**
 * A membership (or pending invitation) as the management routes show it: the seed's
 * `data` fields plus what an admin or backoffice needs to act on it.
 */
export class MemberDto {
  @ApiProperty({ description: 'Unique identifier of the membership row', example: 42 })
  id!: number;

  @ApiProperty({ description: 'Unique identifier of the user', example: 7 })
  userId!: number;

  @ApiProperty({ description: 'Unique identifier of the organization', example: 1 })
  organizationId!: number;

  @ApiProperty({ description: "The member's email address", example: 'jane.doe@example.com' })
  email!: string;

  @ApiProperty({ description: "The organization's name", example: 'Acme' })
  organizationName!: string;

  @ApiProperty({
    description: 'Role of the user in the organization: 1 = ADMIN, 2 = MEMBER',
    enum: [Scope.ADMIN, Scope.MEMBER],
    example: 2,
  })
  scope!: Scope;

  @ApiProperty({ type: PermissionsDto, example: { group: 0, read: [1, 2], manage: [1] } })
  permissions!: PermissionsDto;

  @ApiProperty({ description: 'Unique identifier of the profession', type: Number, nullable: true, example: null })
  professionId!: number | null;

  @ApiProperty({
    description: '`invited`: a pending invitation; `active`: a member',
    enum: MEMBERSHIP_STATUSES,
    example: 'active',
  })
  status!: MembershipStatus;

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
    enum: MEMBERSHIP_END_REASONS,
    nullable: true,
    example: null,
  })
  endReason!: MembershipEndReason | null;

  @ApiProperty({ description: 'Who ended it (null while live)', type: Number, nullable: true, example: null })
  endedBy!: number | null;

  @ApiProperty({
    description: 'Incremented on every change; the ETag of this membership is this number, quoted',
    example: 1,
  })
  version!: number;

  @ApiProperty({
    description: 'When the membership was removed (soft delete); null while live',
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
  })
  deletedAt!: string | null;

  @ApiProperty({ format: 'date-time', example: '2024-12-09T14:23:00.000Z' })
  updatedAt!: string;

  @ApiProperty({ format: 'date-time', example: '2024-01-15T08:45:00.000Z' })
  createdAt!: string;
}
