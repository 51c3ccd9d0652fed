import { ApiProperty } from '@nestjs/swagger';

/**
 * The link of an invitation the caller delivers itself (`sendEmail=false`): the only time the
 * raw token is ever shown; the service keeps only its hash.
 */
export class InvitationLinkDto {
  @ApiProperty({ description: 'Id of the invitation (the membership it created)', example: 17 })
  id!: number;

  @ApiProperty({
    description: 'The invitation token (43 characters, base64url); shown once, never stored in clear',
    example: 'mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m',
    pattern: '^[A-Za-z0-9_-]{43}$',
  })
  token!: string;

  @ApiProperty({
    description: 'INVITATION_ACCEPT_URL with the token filled in: the link to hand to the invitee',
    example: 'http://localhost:3000/invitations/accept?token=mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m',
  })
  acceptUrl!: string;

  @ApiProperty({ format: 'date-time', example: '2024-12-16T14:23:00.000Z' })
  expiresAt!: string;
}
