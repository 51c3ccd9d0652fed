import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { PermissionsDto } from '../../memberships/dto/permissions.dto.js';
import { SCOPES, Scope } from '../../memberships/membership.constants.js';
import { RoleKeyInsteadOfGrant, unlessRoleKey } from '../../roles/dto/role-key.decorator.js';

/** Details required to create register user organization (seed `register-user-organization.txt`). */
export class RegisterUserOrganizationDto {
  @ApiPropertyOptional({
    description: 'Role of the user in the organization: 1 = ADMIN, 2 = MEMBER. Required unless `roleKey` is given.',
    enum: SCOPES,
    type: 'integer',
    example: 1,
  })
  @ValidateIf(unlessRoleKey)
  @IsIn(SCOPES)
  scope?: Scope;

  @ApiPropertyOptional({
    type: PermissionsDto,
    description: 'Required unless `roleKey` is given.',
    example: { group: 0, read: [1, 2], manage: [1, 2] },
  })
  @ValidateIf(unlessRoleKey)
  @IsObject()
  @ValidateNested()
  @Type(() => PermissionsDto)
  permissions?: PermissionsDto;

  @RoleKeyInsteadOfGrant({ required: true })
  roleKey?: string;
}
