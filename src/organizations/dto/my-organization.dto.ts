import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PermissionsDto } from '../../memberships/dto/permissions.dto.js';
import { intFromQuery } from '../../memberships/dto/query-values.js';
import { MEMBERSHIP_STATUSES, SCOPES } from '../../memberships/membership.constants.js';

export const MY_ORGANIZATIONS_PAGE_SIZE = 50;
export const MY_ORGANIZATIONS_MAX_PAGE_SIZE = 200;

export class OrganizationRefDto {
  @ApiProperty({ description: 'Unique identifier of the organization', example: 1 })
  id!: number;

  @ApiProperty({ description: 'Name of the organization', example: 'Acme' })
  name!: string;
}

/** One of the caller's own memberships (or pending invitations). */
export class MyOrganizationDto {
  @ApiProperty({ type: OrganizationRefDto })
  organization!: OrganizationRefDto;

  @ApiProperty({
    description: 'Role of the user in the organization: 1 = ADMIN, 2 = MEMBER',
    enum: SCOPES,
    type: 'integer',
    example: 2,
  })
  scope!: number;

  @ApiProperty({ type: PermissionsDto })
  permissions!: PermissionsDto;

  @ApiProperty({
    description: 'The role the membership was granted from, or null for a grant given as scope and permissions',
    type: String,
    nullable: true,
    example: 'member',
  })
  roleKey!: string | null;

  @ApiProperty({
    description: '`active`: a member; `invited`: a pending invitation (accept or decline it)',
    enum: MEMBERSHIP_STATUSES,
    example: 'active',
  })
  status!: string;
}

export class MyOrganizationPageDto {
  @ApiProperty({ type: [MyOrganizationDto] })
  data!: MyOrganizationDto[];

  @ApiProperty({
    description: 'Pass as `cursor` to get the next page; null on the last page',
    type: String,
    nullable: true,
    example: null,
  })
  nextCursor!: string | null;
}

export class ListMyOrganizationsQueryDto {
  @ApiPropertyOptional({
    description: `Page size, 1 to ${MY_ORGANIZATIONS_MAX_PAGE_SIZE}`,
    type: 'integer',
    minimum: 1,
    maximum: MY_ORGANIZATIONS_MAX_PAGE_SIZE,
    default: MY_ORGANIZATIONS_PAGE_SIZE,
    example: 50,
  })
  @Transform(intFromQuery)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MY_ORGANIZATIONS_MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's `nextCursor`", example: 'djE6NDI', maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
}

export const MY_ORGANIZATIONS_EXAMPLE = {
  data: [
    {
      organization: { id: 1, name: 'Acme' },
      scope: 1,
      permissions: { group: 0, read: [1, 2], manage: [1] },
      roleKey: 'admin',
      status: 'active',
    },
    {
      organization: { id: 5, name: 'Globex' },
      scope: 2,
      permissions: { group: 0, read: [], manage: [] },
      roleKey: null,
      status: 'invited',
    },
  ],
  nextCursor: null,
};
