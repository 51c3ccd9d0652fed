import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { PermissionsDto } from './permissions.dto.js';
import { SCOPES, Scope } from '../membership.constants.js';

/** All optional: without a body, the most recently removed membership comes back as it was. */
export class RestoreMembershipDto {
  @ApiPropertyOptional({
    description:
      'Which soft-deleted membership row to restore (see includeDeleted on the list routes); ' +
      'default: the most recently removed one',
    type: 'integer',
    example: 42,
  })
  @ValidateIf((_o, value) => value !== undefined)
  @IsSafeInt()
  membershipId?: number;

  @ApiPropertyOptional({
    description: 'A new role; default: the one the membership had',
    enum: SCOPES,
    type: 'integer',
    example: 2,
  })
  @ValidateIf((_o, value) => value !== undefined)
  @IsIn(SCOPES)
  scope?: Scope;

  @ApiPropertyOptional({
    type: PermissionsDto,
    description: 'New permissions; default: the ones the membership had',
    example: { group: 0, read: [1], manage: [] },
  })
  @ValidateIf((_o, value) => value !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => PermissionsDto)
  permissions?: PermissionsDto;
}
