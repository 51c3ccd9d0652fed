import { ApiPropertyOptional } from '@nestjs/swagger';
import { MembershipResponseDto } from '../../memberships/dto/membership-data.dto.js';
import { InvitationLinkDto } from './invitation-link.dto.js';

/** 201 of `createInviteUserOrganization`: the seed's `data`, and the link when no email was sent. */
export class InviteUserOrganizationResponseDto extends MembershipResponseDto {
  @ApiPropertyOptional({
    type: InvitationLinkDto,
    description: 'Only with `sendEmail=false`: the link to hand to the invitee (its token is shown only here)',
  })
  invitation?: InvitationLinkDto;
}
