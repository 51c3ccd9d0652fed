import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { InvitationPreviewResponseDto } from './dto/invitation-preview.dto.js';
import { InvitationTokenDto } from './dto/invitation-token.dto.js';
import { InvitationErrorCode } from './invitation-error-codes.js';
import { errorExamples, JSON_415, TOKEN_EXAMPLE } from './invitations.controller.js';
import { InvitationsService } from './invitations.service.js';
import { PreviewRateLimitGuard } from './preview-limiter.js';

const PREVIEW_EXAMPLE = {
  data: {
    organization: { id: 1, name: 'Acme' },
    email: 'n***@example.com',
    scope: 2,
    roleKey: null,
    invitedBy: { email: 'a***@example.com' },
    expiresAt: '2024-12-16T14:23:00.000Z',
    state: 'pending',
  },
};

/**
 * What an invitation's token opens before anybody signs in. Public: the token is the
 * credential, so the route is rate limited per client address and never echoes a full email.
 */
@ApiTags('invitations')
@Controller('users-organizations/v1')
export class InvitationPreviewController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('invitations/preview')
  @Public()
  @UseGuards(PreviewRateLimitGuard)
  @HttpCode(200)
  @ApiOperation({
    operationId: 'previewInvitationByToken',
    summary: 'Preview an invitation by its token (no credentials)',
    description: [
      'For a sign-in or sign-up page opened from an invitation link: what the invitation is, before the invitee',
      'signs in. No credentials needed; the token is sent in the body (never in a URL that logs keep). The',
      'emails are masked (`j***@example.com`). `state` tells whether it can still be accepted: `pending`, or',
      '`accepted`, `declined`, `revoked` (by an admin, or because its inviter is no longer an admin of the',
      'organization), `expired`. A token no invitation has (never issued, or replaced by a resend): 404.',
      'At most `RATE_LIMIT_PREVIEW_PER_MINUTE` look-ups per client address per minute (429 beyond).',
    ].join('\n'),
  })
  @ApiBody({
    type: InvitationTokenDto,
    examples: { token: { summary: 'The token of the link', value: TOKEN_EXAMPLE } },
  })
  @ApiOkResponse({
    description: 'The invitation, as its token holder may see it',
    type: InvitationPreviewResponseDto,
    example: PREVIEW_EXAMPLE,
  })
  @ApiBadRequestResponse({
    description: 'The body is not `{ token }` with a 43-character token; `details` lists each offending field',
    ...errorExamples({
      token: ['VALIDATION_FAILED', 'Validation failed: token must be the 43-character token of an invitation link'],
    }),
  })
  @ApiNotFoundResponse({
    description: 'No invitation has this token (never issued, or replaced by a resend)',
    ...errorExamples({ notFound: [InvitationErrorCode.INVITATION_NOT_FOUND, 'No such invitation'] }),
  })
  @ApiTooManyRequestsResponse({
    description: 'Too many look-ups from this address; `Retry-After` (seconds) says when to retry',
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', example: 42 } } },
    ...errorExamples({ limited: ['RATE_LIMITED', 'Too many invitation look-ups; retry in 42 s'] }),
  })
  @ApiUnsupportedMediaTypeResponse(JSON_415)
  previewInvitationByToken(@Body() body: InvitationTokenDto): Promise<InvitationPreviewResponseDto> {
    return this.invitations.preview(body.token);
  }
}
