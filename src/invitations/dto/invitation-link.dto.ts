import { ApiProperty } from '@nestjs/swagger';

/** An invitation to deliver by other means than our email: shown once, when it is created. */
export class InvitationLinkDto {
  @ApiProperty({ description: 'The invitation id', type: 'integer', example: 42 })
  id!: number;

  @ApiProperty({
    description: 'The invitation token: whoever holds it may accept as the invitee once signed in. Shown only now.',
    example: 'mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m',
  })
  token!: string;

  @ApiProperty({
    description: 'The accept link (INVITATION_ACCEPT_URL with the token)',
    example: 'http://localhost:3000/invitations/accept?token=mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m',
  })
  acceptUrl!: string;

  @ApiProperty({ format: 'date-time', example: '2024-12-16T14:23:00.000Z' })
  expiresAt!: string;
}
