import { ApiProperty } from '@nestjs/swagger';
import { PermissionsDto } from '../../memberships/dto/permissions.dto.js';
import { MEMBERSHIP_STATUSES, Scope, type MembershipStatus } from '../../memberships/membership.constants.js';
import { MAIL_STATUSES, type MailStatus } from '../../mail/mail-outbox.entity.js';
import { INVITATION_STATES, type InvitationState } from '../../memberships/membership.rules.js';

/** Delivery of the invitation's latest email. */
export class InvitationMailDto {
  @ApiProperty({
    description:
      'pending: queued or retrying (see attempts, lastError); sent: accepted by the SMTP server; failed: gave up (see lastError); cancelled: the invitation changed before it went out',
    enum: MAIL_STATUSES,
    example: 'sent',
  })
  status!: MailStatus;

  @ApiProperty({ description: 'Delivery attempts so far', example: 1 })
  attempts!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-12-09T14:23:01.000Z' })
  sentAt!: string | null;

  @ApiProperty({
    description: 'When a pending mail is next tried',
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
  })
  nextAttemptAt!: string | null;

  @ApiProperty({
    description: "The last delivery error (shown to the organization's admins only)",
    type: String,
    nullable: true,
    example: null,
  })
  lastError!: string | null;
}

/** An invitation: a membership created by an invite, with its state and its email's delivery. */
export class InvitationDto {
  @ApiProperty({ description: 'Id of the invitation (the membership it created)', example: 17 })
  invitationId!: number;

  @ApiProperty({ description: 'The invited user', example: 42 })
  userId!: number;

  @ApiProperty({ description: "The invited user's email", example: 'new.person@example.com' })
  email!: string;

  @ApiProperty({ example: 1 })
  organizationId!: number;

  @ApiProperty({ example: 'Acme' })
  organizationName!: string;

  @ApiProperty({ description: '1 = ADMIN, 2 = MEMBER', enum: [Scope.ADMIN, Scope.MEMBER], example: 2 })
  scope!: Scope;

  @ApiProperty({ type: PermissionsDto, example: { group: 0, read: [1, 2], manage: [1, 2] } })
  permissions!: PermissionsDto;

  @ApiProperty({ type: Number, nullable: true, example: 1 })
  professionId!: number | null;

  @ApiProperty({
    description: 'Status of the membership: invited until accepted, then active',
    enum: MEMBERSHIP_STATUSES,
    example: 'invited',
  })
  status!: MembershipStatus;

  @ApiProperty({
    description:
      'pending: may be accepted or declined; expired: past expiresAt (an admin may resend it); accepted; declined; revoked; ended: accepted, then the membership was removed',
    enum: INVITATION_STATES,
    example: 'pending',
  })
  state!: InvitationState;

  @ApiProperty({ description: 'Who invited (user id)', type: Number, nullable: true, example: 1 })
  invitedBy!: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'admin@example.com' })
  inviterEmail!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-12-16T14:23:00.000Z' })
  expiresAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  acceptedAt!: string | null;

  @ApiProperty({ type: InvitationMailDto, nullable: true })
  mail!: InvitationMailDto | null;

  @ApiProperty({ format: 'date-time', example: '2024-12-09T14:23:00.000Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2024-12-09T14:23:00.000Z' })
  updatedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  deletedAt!: string | null;
}

export class InvitationResponseDto {
  @ApiProperty({ type: InvitationDto })
  data!: InvitationDto;
}

export class InvitationListResponseDto {
  @ApiProperty({ type: [InvitationDto] })
  data!: InvitationDto[];

  @ApiProperty({
    description: 'Pass as `cursor` to get the next page; null on the last page',
    type: String,
    nullable: true,
    example: 'djE6MTc',
  })
  nextCursor!: string | null;
}
