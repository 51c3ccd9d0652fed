import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { MinProperties } from '../../common/min-properties.decorator.js';
import { PermissionsDto } from '../../memberships/dto/permissions.dto.js';
import { MembershipErrorCode } from '../../memberships/membership-error-codes.js';
import { SCOPES, Scope } from '../../memberships/membership.constants.js';
import { ROLE_KEY_PATTERN } from '../role-presets.js';

/** Not blank: at least one character that is not white space. */
const NAME_PATTERN = /\S/;
const NAME_MAX_LENGTH = 100;

export const ROLE_EXAMPLE = {
  key: 'support',
  name: 'Support agent',
  scope: 2,
  permissions: { group: 0, read: [1, 2], manage: [2] },
  builtIn: false,
};

/** A role of an organization: a named preset of scope and permissions. */
export class RoleDto {
  @ApiProperty({ description: 'The role key, unique in the organization', example: 'support' })
  key!: string;

  @ApiProperty({ description: 'A name for people', example: 'Support agent' })
  name!: string;

  @ApiProperty({ description: '1 = ADMIN, 2 = MEMBER', enum: SCOPES, type: 'integer', example: 2 })
  scope!: Scope;

  @ApiProperty({ type: PermissionsDto })
  permissions!: PermissionsDto;

  @ApiProperty({ description: '`admin` and `member`: always there, cannot be changed or deleted', example: false })
  builtIn!: boolean;
}

export class RoleResponseDto {
  @ApiProperty({ type: RoleDto })
  data!: RoleDto;
}

export class RoleListResponseDto {
  @ApiProperty({ type: [RoleDto], description: 'The built-in roles first, then the custom ones by key' })
  data!: RoleDto[];
}

export class CreateRoleDto {
  @ApiProperty({
    description: "Lower-case letters, digits and dashes, 1 to 40; unique in the organization; not 'admin' or 'member'",
    example: 'support',
  })
  @IsString()
  @Matches(ROLE_KEY_PATTERN, { message: 'key must be lower-case letters, digits and dashes (1 to 40)' })
  key!: string;

  @ApiProperty({ description: 'A name for people (1 to 100 characters, not blank)', example: 'Support agent' })
  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  @Matches(NAME_PATTERN, { message: 'name must not be blank' })
  name!: string;

  @ApiProperty({ description: '1 = ADMIN, 2 = MEMBER', enum: SCOPES, type: 'integer', example: 2 })
  @IsIn(SCOPES)
  scope!: Scope;

  @ApiProperty({ type: PermissionsDto, example: { group: 0, read: [1, 2], manage: [2] } })
  @IsObject()
  @ValidateNested()
  @Type(() => PermissionsDto)
  permissions!: PermissionsDto;
}

/** A change to a custom role: any of the three fields, at least one. */
@MinProperties(1, {
  code: MembershipErrorCode.NOTHING_TO_UPDATE,
  message: 'Give at least one of name, scope, permissions',
})
export class UpdateRoleDto {
  @ApiPropertyOptional({ description: 'A name for people (1 to 100 characters, not blank)', example: 'Support lead' })
  @ValidateIf((_o, value) => value !== undefined)
  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  @Matches(NAME_PATTERN, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ description: '1 = ADMIN, 2 = MEMBER', enum: SCOPES, type: 'integer', example: 2 })
  @ValidateIf((_o, value) => value !== undefined)
  @IsIn(SCOPES)
  scope?: Scope;

  @ApiPropertyOptional({ type: PermissionsDto, description: 'Replaces the permissions as a whole' })
  @ValidateIf((_o, value) => value !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => PermissionsDto)
  permissions?: PermissionsDto;
}
