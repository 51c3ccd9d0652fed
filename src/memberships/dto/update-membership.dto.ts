import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { MinProperties } from '../../common/min-properties.decorator.js';
import { RoleKeyInsteadOfGrant } from '../../roles/dto/role-key.decorator.js';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { MembershipErrorCode } from '../membership-error-codes.js';
import { SCOPES, Scope } from '../membership.constants.js';
import { PermissionsDto } from './permissions.dto.js';

/**
 * A change to a membership: any of the fields, at least one; `roleKey` in place of `scope`
 * and `permissions`. `scope` and `permissions` may not be null (`@IsOptional()` would let
 * null through); `professionId: null` clears the profession. `{}` is refused
 * (NOTHING_TO_UPDATE).
 */
@MinProperties(1, {
  code: MembershipErrorCode.NOTHING_TO_UPDATE,
  message: 'Give at least one of roleKey, scope, permissions, professionId',
})
export class UpdateMembershipDto {
  @RoleKeyInsteadOfGrant({ required: false })
  roleKey?: string;

  @ApiPropertyOptional({
    description: 'Role of the user in the organization: 1 = ADMIN, 2 = MEMBER',
    enum: SCOPES,
    type: 'integer',
    example: 2,
  })
  @ValidateIf((_o, value) => value !== undefined)
  @IsIn(SCOPES)
  scope?: Scope;

  @ApiPropertyOptional({
    type: PermissionsDto,
    description: 'Replaces the permissions as a whole',
    example: { group: 0, read: [1, 2], manage: [1] },
  })
  @ValidateIf((_o, value) => value !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => PermissionsDto)
  permissions?: PermissionsDto;

  @ApiPropertyOptional({
    description: 'Unique identifier of the profession; null clears it',
    type: 'integer',
    nullable: true,
    example: 3,
  })
  @ValidateIf((_o, value) => value !== undefined && value !== null)
  @IsSafeInt()
  professionId?: number | null;
}
