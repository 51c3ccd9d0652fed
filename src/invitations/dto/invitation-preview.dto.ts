import { ApiProperty } from '@nestjs/swagger';
import { Scope } from '../../memberships/membership.constants.js';
import { PREVIEW_STATES, type PreviewState } from '../../memberships/membership.rules.js';

export class PreviewOrganizationDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'Acme' })
  name!: string;
}

export class PreviewInviterDto {
  @ApiProperty({ description: "The inviter's email, masked", example: 'a***@example.com' })
  email!: string;
}

/** What the holder of an invitation token may know of it, before signing in. */
export class InvitationPreviewDto {
  @ApiProperty({ type: PreviewOrganizationDto })
  organization!: PreviewOrganizationDto;

  @ApiProperty({
    description: "The invitee's email, masked: its first character, `***`, and the domain",
    example: 'j***@example.com',
  })
  email!: string;

  @ApiProperty({ description: '1 = ADMIN, 2 = MEMBER', enum: [Scope.ADMIN, Scope.MEMBER], example: 2 })
  scope!: Scope;

  @ApiProperty({
    description: 'The role of the roles catalogue the invitation grants; null for a custom grant',
    type: String,
    nullable: true,
    example: null,
  })
  roleKey!: string | null;

  @ApiProperty({
    type: PreviewInviterDto,
    nullable: true,
    description: 'Who invited (null when backoffice did)',
  })
  invitedBy!: PreviewInviterDto | null;

  @ApiProperty({ format: 'date-time', example: '2024-12-16T14:23:00.000Z' })
  expiresAt!: string;

  @ApiProperty({
    description:
      'pending: may be accepted; accepted; declined; revoked (by an admin, or because its inviter is no longer an admin of the organization); expired: past expiresAt (an admin may resend it)',
    enum: PREVIEW_STATES,
    example: 'pending',
  })
  state!: PreviewState;
}

export class InvitationPreviewResponseDto {
  @ApiProperty({ type: InvitationPreviewDto })
  data!: InvitationPreviewDto;
}
