import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { InvitationLinkDto } from './invitation-link.dto.js';

export class InvitedUserDto {
  @ApiProperty({ description: 'The unique id of the invited user', example: '42' })
  id!: string;

  @ApiProperty({ description: 'The email address of the invited user', example: 'new.person@example.com' })
  email!: string;

  @ApiProperty({ description: 'The id of the role assigned to the user: "1" (ADMIN) or "2" (MEMBER)', example: '2' })
  roleId!: string;

  @ApiProperty({ description: 'The id of the organization assigned to the user', example: '1' })
  organizationId!: string;

  @ApiProperty({ description: 'The status of the user (invited)', enum: ['invited'], example: 'invited' })
  status!: 'invited';
}

/** 201 of `inviteUser`. */
export class InviteUserResponseDto {
  @ApiProperty({ description: 'Success message', example: 'Invitation sent to new.person@example.com' })
  message!: string;

  @ApiProperty({ type: InvitedUserDto })
  user!: InvitedUserDto;

  @ApiPropertyOptional({
    type: InvitationLinkDto,
    description: 'Only with `sendEmail=false`: the link to hand to the invitee (its token is shown only here)',
  })
  invitation?: InvitationLinkDto;
}
