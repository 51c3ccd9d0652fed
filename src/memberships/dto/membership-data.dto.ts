import { ApiProperty } from '@nestjs/swagger';
import { MEMBERSHIP_STATUSES, Scope, type MembershipStatus } from '../membership.constants.js';
import { PermissionsDto } from './permissions.dto.js';

/** The seed pages' `data` object. */
export class MembershipDataDto {
  @ApiProperty({ description: 'Unique identifier of the user', example: 1 })
  userId!: number;

  @ApiProperty({ description: 'Unique identifier of the organization', example: 1 })
  organizationId!: number;

  @ApiProperty({
    description: 'Role of the user in the organization: 1 = ADMIN, 2 = MEMBER',
    enum: [Scope.ADMIN, Scope.MEMBER],
    example: 1,
  })
  scope!: Scope;

  @ApiProperty({ type: PermissionsDto, example: { group: 1, read: [1, 2], manage: [1, 2] } })
  permissions!: PermissionsDto;

  @ApiProperty({ description: 'Unique identifier of the profession', type: Number, nullable: true, example: 1 })
  professionId!: number | null;

  @ApiProperty({ description: 'Membership status', enum: MEMBERSHIP_STATUSES, example: 'invited' })
  status!: MembershipStatus;

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

export class MembershipResponseDto {
  @ApiProperty({ type: MembershipDataDto })
  data!: MembershipDataDto;
}
