import { ApiPropertyOptional } from '@nestjs/swagger';
import { InvitationResponseDto } from './invitation.dto.js';
import { InvitationLinkDto } from './invitation-link.dto.js';

/** 200 of a resend: the invitation, and its new link when no email was sent. */
export class ResendInvitationResponseDto extends InvitationResponseDto {
  @ApiPropertyOptional({
    type: InvitationLinkDto,
    description: 'Only with `sendEmail=false`: the new link to hand to the invitee (its token is shown only here)',
  })
  invitation?: InvitationLinkDto;
}
