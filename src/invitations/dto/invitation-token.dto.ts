import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** 32 random bytes in base64url: 43 characters. */
export const INVITATION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Body of the accept/decline-by-token routes: the token from the invitation email's link. */
export class InvitationTokenDto {
  @ApiProperty({
    description: "The invitation token from the email's accept link (43 characters, base64url)",
    example: 'mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m',
    pattern: INVITATION_TOKEN_PATTERN.source,
  })
  @IsString()
  @Matches(INVITATION_TOKEN_PATTERN, { message: 'token must be the 43-character token of an invitation link' })
  token!: string;
}
