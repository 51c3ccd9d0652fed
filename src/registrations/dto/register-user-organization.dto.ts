import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, ValidateNested } from 'class-validator';
import { PermissionsDto } from '../../memberships/dto/permissions.dto.js';
import { SCOPES, Scope } from '../../memberships/membership.constants.js';

/** Details required to create register user organization (seed `register-user-organization.txt`). */
export class RegisterUserOrganizationDto {
  @ApiProperty({
    description: 'Role of the user in the organization: 1 = ADMIN, 2 = MEMBER',
    enum: SCOPES,
    type: 'integer',
    example: 1,
  })
  @IsIn(SCOPES)
  scope!: Scope;

  @ApiProperty({ type: PermissionsDto, example: { group: 0, read: [1, 2], manage: [1, 2] } })
  @IsObject()
  @ValidateNested()
  @Type(() => PermissionsDto)
  permissions!: PermissionsDto;
}
