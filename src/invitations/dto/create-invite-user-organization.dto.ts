import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, ValidateIf, ValidateNested } from 'class-validator';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { SCOPES, type Scope } from '../../memberships/membership.constants.js';
import { PermissionsDto } from '../../memberships/dto/permissions.dto.js';
import { RoleKeyInsteadOfGrant, unlessRoleKey } from '../../roles/dto/role-key.decorator.js';
import { IsInviteeEmail } from './email-address.js';

/** Body of `createInviteUserOrganization` (seed `invite-user-organization.txt`). */
export class CreateInviteUserOrganizationDto {
  @ApiProperty({
    description: 'Email of the profile (ASCII, at most 250 characters, the pattern below).',
    example: 'test@mail.com',
  })
  @IsInviteeEmail()
  email!: string;

  @ApiPropertyOptional({
    description:
      'Role of the user in the organization: 1 = ADMIN, 2 = MEMBER. A number: "1" is refused. Required unless `roleKey` is given.',
    type: Number,
    enum: [...SCOPES],
    example: 1,
  })
  // IsIn compares with ===, so the string "1", true or 1.0e0-looking strings never pass.
  @ValidateIf(unlessRoleKey)
  @IsIn([...SCOPES])
  scope?: Scope;

  @ApiPropertyOptional({
    type: PermissionsDto,
    description:
      'Permissions of the member: a group and the ids it may read and manage (at most 256 each). Required unless `roleKey` is given.',
    example: { group: 0, manage: [1, 2], read: [1, 2] },
  })
  @ValidateIf(unlessRoleKey)
  @IsObject()
  @ValidateNested()
  @Type(() => PermissionsDto)
  permissions?: PermissionsDto;

  @RoleKeyInsteadOfGrant({ required: true })
  roleKey?: string;

  @ApiPropertyOptional({
    description: 'Unique identifier of the profession (null or absent: none).',
    type: Number,
    nullable: true,
    minimum: Number.MIN_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1,
  })
  @IsOptional()
  @IsSafeInt()
  professionId?: number | null;
}
