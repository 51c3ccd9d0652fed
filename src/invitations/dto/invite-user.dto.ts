import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, ValidateIf } from 'class-validator';
import { IsDecimalIdString } from './decimal-id-string.js';
import { IsInviteeEmail } from './email-address.js';

export const ROLE_IDS = ['1', 'admin', '2', 'member'] as const;
export type RoleId = (typeof ROLE_IDS)[number];

/** Body of `inviteUser` (seed `invite-user-doit-style.txt`). */
export class InviteUserDto {
  @ApiProperty({
    description: 'The email address of the user to invite (ASCII, at most 250 characters, the pattern below)',
    example: 'new.person@example.com',
  })
  @IsInviteeEmail()
  email!: string;

  @ApiPropertyOptional({
    description:
      'The id of the role to assign to the user: "1" or "admin" (ADMIN), "2" or "member" (MEMBER). Default: member.',
    enum: ROLE_IDS,
    example: 'member',
  })
  // Present means validated: null is refused, unlike @IsOptional(), which lets null through.
  @ValidateIf((o: InviteUserDto) => o.roleId !== undefined)
  @IsString()
  @IsIn([...ROLE_IDS], { message: 'roleId must be one of "1", "admin", "2", "member"' })
  roleId?: RoleId;

  @ApiPropertyOptional({
    description:
      "The id of the organization to assign the user to, as a decimal string. Default: the session token's organization, else the only organization the caller administers.",
    example: '1',
  })
  @ValidateIf((o: InviteUserDto) => o.organizationId !== undefined)
  @IsString()
  @IsDecimalIdString()
  organizationId?: string;
}
