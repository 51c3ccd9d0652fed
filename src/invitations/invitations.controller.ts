import { Body, Controller, Delete, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CURSOR_DESCRIPTION, CURSOR_PATTERN } from '../common/cursor-param.js';
import { ApiPathId, ApiQueryId, PathId } from '../common/path-id.decorator.js';
import { INVITATION_BUDGET } from '../rate-limit/rate-limit.constants.js';
import { RateLimited } from '../rate-limit/rate-limited.decorator.js';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiQuery,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { AuthContext } from '../auth/auth-context.js';
import { Authenticated, CurrentAuth } from '../auth/auth.decorators.js';
import { ErrorBody } from '../common/error-body.js';
import { ParseOptionalIdPipe } from '../common/parse-id.pipe.js';
import { RequestId } from '../common/request-id.decorator.js';
import { MembershipResponseDto } from '../memberships/dto/membership-data.dto.js';
import { BulkInviteRefusedDto, BulkInviteResponseDto } from './dto/bulk-invite-result.dto.js';
import { BulkInviteDto, MAX_BULK_INVITATIONS } from './dto/bulk-invite.dto.js';
import { CreateInviteUserOrganizationDto } from './dto/create-invite-user-organization.dto.js';
import { InvitationListResponseDto, InvitationResponseDto } from './dto/invitation.dto.js';
import { InvitationTokenDto } from './dto/invitation-token.dto.js';
import { InviteUserResponseDto } from './dto/invite-user-response.dto.js';
import { InviteUserDto } from './dto/invite-user.dto.js';
import { InvitationErrorCode } from './invitation-error-codes.js';
import { InvitationsService } from './invitations.service.js';
import { InviteUserOrganizationResponseDto } from './dto/invite-user-organization-response.dto.js';
import { ResendInvitationResponseDto } from './dto/resend-invitation-response.dto.js';
import { RevokeByEmailQueryDto } from './dto/revoke-by-email-query.dto.js';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  ParseCursorPipe,
  ParseFlagPipe,
  ParseLimitPipe,
  ParseSendEmailPipe,
} from './list-query.pipes.js';

/** Error response examples: `{ name: [code, message] }`, shown under the response in Swagger UI. */
export function errorExamples(examples: Record<string, [string, string]>) {
  return {
    type: ErrorBody,
    examples: Object.fromEntries(
      Object.entries(examples).map(([name, [code, error]]) => [
        name,
        { summary: code, value: { error, code, requestId: '0f4c2a52-2c4e-4b8e-9a55-6c2c1bb4b1f3' } },
      ]),
    ),
  };
}

export const VALIDATION_400 = {
  description: 'Invalid body, path id or query parameter; `details` lists each offending field',
  ...errorExamples({
    validation: ['VALIDATION_FAILED', 'Validation failed: email must be an email address such as test@mail.com'],
    pathId: [
      'VALIDATION_FAILED',
      'Validation failed: path.userId must be a decimal integer between -9007199254740991 and 9007199254740991',
    ],
  }),
};
const NOT_CALLER_403 = {
  description: 'The path `userId` is not the caller',
  ...errorExamples({ notCaller: ['NOT_THE_CALLER', 'The path userId is not the caller'] }),
};
const ADMIN_403 = {
  description: 'The path `userId` is not the caller, or the caller is not an active ADMIN of the organization',
  ...errorExamples({
    notCaller: ['NOT_THE_CALLER', 'The path userId is not the caller'],
    notAdmin: ['NOT_ORGANIZATION_ADMIN', 'The caller is not an active admin of this organization'],
  }),
};
const INVITE_409 = {
  description: 'A live membership or a pending, unexpired invitation exists for that person and organization',
  ...errorExamples({
    member: [InvitationErrorCode.MEMBERSHIP_ALREADY_EXISTS, 'This person is already a member of the organization'],
    pending: [
      InvitationErrorCode.INVITATION_ALREADY_PENDING,
      'This person already has a pending invitation to the organization; resend it instead',
    ],
  }),
};
const INVITATION_404 = {
  description: 'No such invitation (or, on the invitee routes, not one of the caller’s)',
  ...errorExamples({ notFound: [InvitationErrorCode.INVITATION_NOT_FOUND, 'No such invitation'] }),
};
const INVITATION_410 = {
  description: 'The invitation can no longer be answered: expired, revoked, declined, or its membership has ended',
  ...errorExamples({
    expired: [
      InvitationErrorCode.INVITATION_EXPIRED,
      'The invitation has expired; ask an admin of the organization to resend it',
    ],
    revoked: [InvitationErrorCode.INVITATION_REVOKED, 'The invitation was revoked'],
    declined: [InvitationErrorCode.INVITATION_DECLINED, 'The invitation was declined'],
  }),
};
const ACCEPTED_409 = {
  description: 'The invitation was already accepted',
  ...errorExamples({
    accepted: [InvitationErrorCode.INVITATION_ALREADY_ACCEPTED, 'The invitation was already accepted'],
  }),
};
export const JSON_415 = {
  description: 'The body is not `application/json`',
  ...errorExamples({
    mediaType: ['UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be sent as application/json'],
  }),
};

const SEED_INVITE_EXAMPLE = {
  email: 'test@mail.com',
  scope: 1,
  permissions: { group: 0, manage: [1, 2], read: [1, 2] },
  professionId: 1,
};
const SEED_INVITE_RESPONSE = {
  data: {
    userId: 2,
    organizationId: 1,
    scope: 1,
    permissions: { group: 0, read: [1, 2], manage: [1, 2] },
    professionId: 1,
    status: 'invited',
    deletedAt: null,
    updatedAt: '2024-12-09T14:23:00.000Z',
    createdAt: '2024-12-09T14:23:00.000Z',
  },
};
const ACCEPTED_EXAMPLE = {
  data: { ...SEED_INVITE_RESPONSE.data, scope: 2, status: 'active', updatedAt: '2024-12-10T09:00:00.000Z' },
};
const DECLINED_EXAMPLE = {
  data: { ...SEED_INVITE_RESPONSE.data, scope: 2, deletedAt: '2024-12-10T09:00:00.000Z' },
};
export const TOKEN_EXAMPLE = { token: 'mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m' };
export const LINK_EXAMPLE = {
  id: 17,
  token: TOKEN_EXAMPLE.token,
  acceptUrl: `http://localhost:3000/invitations/accept?token=${TOKEN_EXAMPLE.token}`,
  expiresAt: '2024-12-16T14:23:00.000Z',
};

/** `?sendEmail=false`: the caller delivers the link itself. */
const SEND_EMAIL_QUERY = {
  name: 'sendEmail',
  required: false,
  description:
    '`false`: no email is queued, and the answer adds `invitation` with the link (`acceptUrl`) and its token, ' +
    'shown this once, for the caller to hand over itself. Default `true`.',
  schema: { type: 'string' as const, enum: ['true', 'false'], default: 'true' },
};

/** A bulk counts its items against the invitation budget; a malformed one counts nothing (it is a 400). */
function bulkCost(req: Request): number {
  const items = (req.body as { invitations?: unknown } | undefined)?.invitations;
  return Array.isArray(items) && items.length >= 1 && items.length <= MAX_BULK_INVITATIONS ? items.length : 0;
}

@ApiTags('invitations')
@Authenticated()
@Controller('users-organizations/v1')
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('rs/na/:userId/invite')
  @HttpCode(201)
  @RateLimited({ budget: INVITATION_BUDGET })
  @ApiOperation({
    operationId: 'createInviteUserOrganization',
    summary: 'Create invite user organization',
    description: [
      'Invites a person, by email, into an organization the caller administers. The person is found by email',
      '(case-insensitively) or created with status `invited`; the invitation is a membership with status `invited`',
      'that expires after `INVITATION_TTL` (default 7 days). The invitation email (naming the organization and the',
      'inviter, with the accept link) is queued in the same transaction and sent by the mail worker: a mail outage',
      'never fails the invite. An expired invitation for the same person and organization is retired and replaced.',
      '',
      'The organization is the `organizationId` query parameter, else the session token’s organization, else the',
      'only organization where the caller is an active ADMIN (none: 403; several: 400 asking for `organizationId`).',
    ].join('\n'),
  })
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiQueryId('organizationId', 'The organization to invite into (decimal integer)')
  @ApiQuery(SEND_EMAIL_QUERY)
  @ApiBody({
    type: CreateInviteUserOrganizationDto,
    description: 'Details required to create invite user organization',
    examples: {
      seed: { summary: 'The seed page’s example', value: SEED_INVITE_EXAMPLE },
      member: {
        summary: 'A member without a profession',
        value: { email: 'new.person@example.com', scope: 2, permissions: { group: 0, read: [], manage: [] } },
      },
    },
  })
  @ApiCreatedResponse({
    description: 'The invite user organization has been created',
    type: InviteUserOrganizationResponseDto,
    examples: {
      seed: { summary: 'Emailed (the default)', value: SEED_INVITE_RESPONSE },
      link: {
        summary: 'sendEmail=false: no email, the link in the answer',
        value: { ...SEED_INVITE_RESPONSE, invitation: LINK_EXAMPLE },
      },
    },
  })
  @ApiBadRequestResponse({
    ...VALIDATION_400,
    examples: {
      ...VALIDATION_400.examples,
      organizationRequired: {
        summary: 'ORGANIZATION_REQUIRED',
        value: {
          error: 'The caller administers 2 organizations: pass organizationId to choose one',
          code: 'ORGANIZATION_REQUIRED',
          requestId: '0f4c2a52-2c4e-4b8e-9a55-6c2c1bb4b1f3',
        },
      },
    },
  })
  @ApiForbiddenResponse(ADMIN_403)
  @ApiConflictResponse(INVITE_409)
  @ApiUnsupportedMediaTypeResponse(JSON_415)
  createInviteUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @Query('organizationId', ParseOptionalIdPipe) organizationId: number | undefined,
    @Query('sendEmail', ParseSendEmailPipe) sendEmail: boolean,
    @Body() body: CreateInviteUserOrganizationDto,
    @RequestId() requestId: string,
  ): Promise<InviteUserOrganizationResponseDto> {
    return this.invitations.createInviteUserOrganization(auth, userId, body, organizationId, requestId, sendEmail);
  }

  @Post('rs/na/:userId/invitations/bulk')
  @RateLimited({ budget: INVITATION_BUDGET, cost: bulkCost })
  @ApiOperation({
    operationId: 'createBulkInviteUserOrganization',
    summary: 'Invite up to 100 people at once',
    description: [
      'Each item is exactly the body of `createInviteUserOrganization` and is judged as that route would judge it',
      'alone (validation, the grant ceiling, already a member or invited); the same address twice in one request',
      '(in any case) makes the later item 409 `DUPLICATE_IN_REQUEST`. The organization is resolved as on that route.',
      'All items are written in one statement, and one request counts as many invitations as it has items against',
      'the caller’s and the organization’s invitation budgets.',
      '',
      '207 with one result per item, in request order. `atomic: true`: 201 when every item is created, else 409 with',
      'the same results (items that would have been created say 201) and nothing written. `dryRun: true`: the same',
      'answers, nothing written, no mail, no audit. `sendEmail: false`: no email is queued; each created item’s result',
      'carries `invitation` with its token and accept link (the only time they are shown).',
      '',
      'A malformed envelope (not an object, `invitations` not an array of 1 to 100 items, unknown fields) is 400.',
    ].join('\n'),
  })
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiQueryId('organizationId', 'The organization to invite into (decimal integer)')
  @ApiBody({
    type: BulkInviteDto,
    examples: {
      twoPeople: {
        summary: 'Two people, one an admin',
        value: {
          invitations: [
            { email: 'ada@example.com', scope: 2, permissions: { group: 0, read: [1], manage: [] } },
            {
              email: 'grace@example.com',
              scope: 1,
              permissions: { group: 0, read: [1, 2], manage: [1] },
              professionId: 3,
            },
          ],
        },
      },
      byLink: {
        summary: 'Deliver the links yourself, all or nothing',
        value: {
          invitations: [{ email: 'ada@example.com', scope: 2, permissions: { group: 0, read: [], manage: [] } }],
          atomic: true,
          sendEmail: false,
        },
      },
    },
  })
  @ApiResponse({
    status: 207,
    description: 'One result per item',
    type: BulkInviteResponseDto,
    example: {
      results: [
        { index: 0, email: 'ada@example.com', status: 201, data: SEED_INVITE_RESPONSE.data },
        {
          index: 1,
          email: 'ADA@example.com',
          status: 409,
          code: 'DUPLICATE_IN_REQUEST',
          error: 'The same address appears earlier in this request',
        },
      ],
      summary: { created: 1, failed: 1 },
    },
  })
  @ApiCreatedResponse({ description: '`atomic: true` and every item was created', type: BulkInviteResponseDto })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse(ADMIN_403)
  @ApiConflictResponse({
    description: '`atomic: true` and some item could not be created (BULK_NOT_ATOMIC): nothing was written',
    type: BulkInviteRefusedDto,
  })
  @ApiPayloadTooLargeResponse({ description: 'The body is larger than 100 maximal items', type: ErrorBody })
  @ApiUnsupportedMediaTypeResponse(JSON_415)
  async createBulkInviteUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @Query('organizationId', ParseOptionalIdPipe) organizationId: number | undefined,
    @Body() body: BulkInviteDto,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BulkInviteResponseDto> {
    const answer = await this.invitations.bulkInvite(auth, userId, body, organizationId, requestId);
    res.status(answer.status);
    return answer.body;
  }

  @Post('users/invite')
  @RateLimited({ budget: INVITATION_BUDGET })
  @HttpCode(201)
  @ApiOperation({
    operationId: 'inviteUser',
    summary: 'Invite user',
    description: [
      'Invites a new user to the organization with specified role and organization (DoiT style; a CLI such as',
      'restish names it `invite-user`). The same rules as `createInviteUserOrganization`, with the permissions',
      '`{ group: 0, read: [], manage: [] }`. `roleId` is `"1"`/`"admin"` or `"2"`/`"member"` (default member);',
      'ids are strings.',
    ].join('\n'),
  })
  @ApiQuery(SEND_EMAIL_QUERY)
  @ApiBody({
    type: InviteUserDto,
    examples: {
      member: { summary: 'A member, in the session’s organization', value: { email: 'new.person@example.com' } },
      admin: {
        summary: 'An admin of organization 1',
        value: { email: 'new.admin@example.com', roleId: 'admin', organizationId: '1' },
      },
    },
  })
  @ApiCreatedResponse({
    description: 'Created - User invitation created successfully.',
    type: InviteUserResponseDto,
    examples: {
      emailed: {
        summary: 'Emailed (the default)',
        value: {
          message: 'Invitation created; an email to new.person@example.com is on its way',
          user: { id: '42', email: 'new.person@example.com', roleId: '2', organizationId: '1', status: 'invited' },
        },
      },
      link: {
        summary: 'sendEmail=false: no email, the link in the answer',
        value: {
          message: 'Invitation created; no email was sent: hand invitation.acceptUrl to new.person@example.com',
          user: { id: '42', email: 'new.person@example.com', roleId: '2', organizationId: '1', status: 'invited' },
          invitation: LINK_EXAMPLE,
        },
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'Bad Request: invalid email, unknown `roleId`, malformed `organizationId`, or unknown fields',
    ...errorExamples({
      roleId: ['VALIDATION_FAILED', 'Validation failed: roleId must be one of "1", "admin", "2", "member"'],
      organizationRequired: [
        'ORGANIZATION_REQUIRED',
        'The caller administers 2 organizations: pass organizationId to choose one',
      ],
    }),
  })
  @ApiForbiddenResponse({
    description: 'Forbidden: the caller is not an active ADMIN of the organization',
    ...errorExamples({
      notAdmin: ['NOT_ORGANIZATION_ADMIN', 'The caller is not an active admin of this organization'],
    }),
  })
  @ApiConflictResponse(INVITE_409)
  @ApiUnsupportedMediaTypeResponse(JSON_415)
  inviteUser(
    @CurrentAuth() auth: AuthContext,
    @Query('sendEmail', ParseSendEmailPipe) sendEmail: boolean,
    @Body() body: InviteUserDto,
    @RequestId() requestId: string,
  ): Promise<InviteUserResponseDto> {
    return this.invitations.inviteUser(auth, body, requestId, sendEmail);
  }

  @Get('rs/na/:userId/invitations')
  @ApiOperation({
    operationId: 'getInvitationsUserOrganization',
    summary: 'List my pending invitations',
    description: [
      'The caller’s pending invitations, newest first, with the organization, the inviter, the expiry and the',
      'delivery of the email. Expired invitations only with `includeExpired=true`. Cursor pagination: pass the',
      'previous page’s `nextCursor` as `cursor`. (An organization’s admins list its invitations with the members',
      'list and `status=invited`.)',
    ].join('\n'),
  })
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `Page size, 1 to ${MAX_PAGE_SIZE}`,
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, example: 20 },
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: CURSOR_DESCRIPTION,
    schema: { type: 'string', pattern: CURSOR_PATTERN.source, example: 'djE6NDI' },
  })
  @ApiQuery({
    name: 'includeExpired',
    required: false,
    description: 'Also list expired invitations',
    schema: { type: 'boolean', default: false },
  })
  @ApiOkResponse({ description: 'One page of invitations', type: InvitationListResponseDto })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse(NOT_CALLER_403)
  getInvitationsUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @Query('limit', ParseLimitPipe) limit: number,
    @Query('cursor', ParseCursorPipe) cursor: string | undefined,
    @Query('includeExpired', ParseFlagPipe) includeExpired: boolean,
  ): Promise<InvitationListResponseDto> {
    return this.invitations.listMine(auth, userId, { cursor, limit, includeExpired });
  }

  @Get('rs/na/:userId/invitations/:invitationId')
  @ApiOperation({
    operationId: 'getInvitationUserOrganization',
    summary: 'Get an invitation',
    description:
      'One invitation, for its invitee or an active ADMIN of its organization: its state and the delivery of its latest email (admins also see the delivery error).',
  })
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiPathId('invitationId', 'Id of the invitation (the `invitationId` of the invitation reads)', 17)
  @ApiOkResponse({ description: 'The invitation', type: InvitationResponseDto })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse(ADMIN_403)
  @ApiNotFoundResponse(INVITATION_404)
  getInvitationUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @PathId('invitationId') invitationId: number,
  ): Promise<InvitationResponseDto> {
    return this.invitations.getInvitation(auth, userId, invitationId);
  }

  @Post('rs/na/:userId/invitations/:invitationId/resend')
  @HttpCode(200)
  @RateLimited({ budget: INVITATION_BUDGET })
  @ApiOperation({
    operationId: 'resendInviteUserOrganization',
    summary: 'Resend an invitation',
    description: [
      'For an active ADMIN of the invitation’s organization: issues a new token (the previous link stops working),',
      'restarts the expiry (`INVITATION_TTL`) and emails the invitation again. Works on a pending or expired',
      'invitation. At most `INVITATION_RESEND_LIMIT` (default 3) resends per invitation per rolling hour: beyond,',
      '429 with `Retry-After`.',
      '',
      'With `sendEmail=false` no email is queued (an unsent one of the old token is cancelled) and the answer adds',
      '`invitation` with the new link and its token, shown this once. Such a resend sends nobody an email, so it',
      'does not count towards the hourly resend limit; the caller’s invitation budget still counts it.',
    ].join('\n'),
  })
  @ApiQuery(SEND_EMAIL_QUERY)
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiPathId('invitationId', 'Id of the invitation (the `invitationId` of the invitation reads)', 17)
  @ApiOkResponse({
    description:
      'Resent; the new email is queued (`mail.status` pending), or, with `sendEmail=false`, the new link is in `invitation`',
    type: ResendInvitationResponseDto,
  })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse(ADMIN_403)
  @ApiNotFoundResponse(INVITATION_404)
  @ApiConflictResponse(ACCEPTED_409)
  @ApiGoneResponse({
    description: 'The invitation was revoked or declined, or its membership has ended: invite again instead',
    ...errorExamples({ revoked: [InvitationErrorCode.INVITATION_REVOKED, 'The invitation was revoked'] }),
  })
  @ApiTooManyRequestsResponse({
    description: 'Resent too often; `Retry-After` (seconds) says when the next resend fits',
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', example: 1800 } } },
    ...errorExamples({
      limited: [
        InvitationErrorCode.INVITATION_RESEND_LIMITED,
        'This invitation was already resent 3 times in the last hour; retry in 1800 s',
      ],
    }),
  })
  resendInviteUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @PathId('invitationId') invitationId: number,
    @Query('sendEmail', ParseSendEmailPipe) sendEmail: boolean,
    @RequestId() requestId: string,
  ): Promise<ResendInvitationResponseDto> {
    return this.invitations.resend(auth, userId, invitationId, requestId, sendEmail);
  }

  @Delete('rs/na/:userId/invitations')
  @ApiOperation({
    operationId: 'deleteInviteUserOrganizationByEmail',
    summary: 'Revoke an invitation by email',
    description: [
      'For an active ADMIN of the organization: revokes the pending (or expired, not yet replaced) invitation of',
      '`email` there, as revoking it by id does: a soft delete with reason `revoked`, its link stops working, an',
      'unsent email is cancelled, and the audit trail records `invitation.revoked`. The address is compared after',
      'ASCII lower-casing. No such invitation: 404.',
      '',
      'The organization is the `organizationId` query parameter, else the session token’s organization, else the',
      'only organization where the caller is an active ADMIN (none: 403; several: 400 asking for `organizationId`).',
    ].join('\n'),
  })
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiOkResponse({ description: 'Revoked (`state` revoked, `deletedAt` set)', type: InvitationResponseDto })
  @ApiBadRequestResponse({
    ...VALIDATION_400,
    examples: {
      email: {
        summary: 'VALIDATION_FAILED',
        value: {
          error: 'Validation failed: email must be an email address such as test@mail.com',
          code: 'VALIDATION_FAILED',
          details: [{ path: 'email', message: 'email must be an email address such as test@mail.com' }],
          requestId: '0f4c2a52-2c4e-4b8e-9a55-6c2c1bb4b1f3',
        },
      },
      organizationRequired: {
        summary: 'ORGANIZATION_REQUIRED',
        value: {
          error: 'The caller administers 2 organizations: pass organizationId to choose one',
          code: 'ORGANIZATION_REQUIRED',
          requestId: '0f4c2a52-2c4e-4b8e-9a55-6c2c1bb4b1f3',
        },
      },
    },
  })
  @ApiForbiddenResponse(ADMIN_403)
  @ApiNotFoundResponse({
    description: 'No pending invitation for this address in the organization',
    ...errorExamples({
      notFound: [
        InvitationErrorCode.INVITATION_NOT_FOUND,
        'No pending invitation for this address in the organization',
      ],
    }),
  })
  deleteInviteUserOrganizationByEmail(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @Query() query: RevokeByEmailQueryDto,
    @RequestId() requestId: string,
  ): Promise<InvitationResponseDto> {
    return this.invitations.revokeByEmail(auth, userId, query.email, query.organizationId, requestId);
  }

  @Delete('rs/na/:userId/invitations/:invitationId')
  @ApiOperation({
    operationId: 'deleteInviteUserOrganization',
    summary: 'Revoke an invitation',
    description: [
      'For an active ADMIN of the invitation’s organization: revokes a pending or expired invitation (a soft',
      'delete with reason `revoked`); its link stops working and an unsent email is cancelled. Revoking twice',
      'answers the same. An accepted invitation is a membership: remove the member instead (409).',
    ].join('\n'),
  })
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiPathId('invitationId', 'Id of the invitation (the `invitationId` of the invitation reads)', 17)
  @ApiOkResponse({ description: 'Revoked (`state` revoked, `deletedAt` set)', type: InvitationResponseDto })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse(ADMIN_403)
  @ApiNotFoundResponse(INVITATION_404)
  @ApiConflictResponse(ACCEPTED_409)
  @ApiGoneResponse({
    description: 'The invitation was declined or had already been retired as expired',
    ...errorExamples({ declined: [InvitationErrorCode.INVITATION_DECLINED, 'The invitation was declined'] }),
  })
  deleteInviteUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @PathId('invitationId') invitationId: number,
    @RequestId() requestId: string,
  ): Promise<InvitationResponseDto> {
    return this.invitations.revoke(auth, userId, invitationId, requestId);
  }

  @Post('rs/na/:userId/invitations/:invitationId/accept')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'acceptInviteUserOrganization',
    summary: 'Accept one of my invitations',
    description:
      'The invitee accepts: the membership and the user become `active`. Accepting twice returns the same membership. Expired, revoked or declined: 410.',
  })
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiPathId('invitationId', 'Id of the invitation (the `invitationId` of the invitation reads)', 17)
  @ApiOkResponse({ description: 'The membership, now active', type: MembershipResponseDto, example: ACCEPTED_EXAMPLE })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse(NOT_CALLER_403)
  @ApiNotFoundResponse(INVITATION_404)
  @ApiGoneResponse(INVITATION_410)
  acceptInviteUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @PathId('invitationId') invitationId: number,
    @RequestId() requestId: string,
  ): Promise<MembershipResponseDto> {
    return this.invitations.answerById(auth, userId, invitationId, 'accept', requestId);
  }

  @Post('rs/na/:userId/invitations/:invitationId/decline')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'declineInviteUserOrganization',
    summary: 'Decline one of my invitations',
    description:
      'The invitee declines: the invitation is soft-deleted with reason `declined`. Declining twice answers the same. Already accepted: 409 (leave the organization instead). Expired or revoked: 410.',
  })
  @ApiPathId('userId', 'The caller’s user id (decimal integer)')
  @ApiPathId('invitationId', 'Id of the invitation (the `invitationId` of the invitation reads)', 17)
  @ApiOkResponse({ description: 'The declined invitation', type: MembershipResponseDto, example: DECLINED_EXAMPLE })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse(NOT_CALLER_403)
  @ApiNotFoundResponse(INVITATION_404)
  @ApiConflictResponse(ACCEPTED_409)
  @ApiGoneResponse(INVITATION_410)
  declineInviteUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @PathId('invitationId') invitationId: number,
    @RequestId() requestId: string,
  ): Promise<MembershipResponseDto> {
    return this.invitations.answerById(auth, userId, invitationId, 'decline', requestId);
  }

  @Post('invitations/accept')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'acceptInviteUserOrganizationByToken',
    summary: 'Accept an invitation with the emailed token',
    description:
      'For the page behind the email’s accept link: the signed-in invitee sends the link’s token. The caller must be the invited person (else 403). Accepting twice returns the same membership; a token replaced by a resend is unknown (404).',
  })
  @ApiBody({
    type: InvitationTokenDto,
    examples: { token: { summary: 'The token of the link', value: TOKEN_EXAMPLE } },
  })
  @ApiOkResponse({ description: 'The membership, now active', type: MembershipResponseDto, example: ACCEPTED_EXAMPLE })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse({
    description: 'The invitation is addressed to another account',
    ...errorExamples({
      otherAccount: [
        InvitationErrorCode.INVITATION_NOT_FOR_CALLER,
        'This invitation is addressed to another account; sign in as the invited person',
      ],
    }),
  })
  @ApiNotFoundResponse({
    description: 'No invitation has this token (never issued, or replaced by a resend)',
    ...errorExamples({ notFound: [InvitationErrorCode.INVITATION_NOT_FOUND, 'No such invitation'] }),
  })
  @ApiGoneResponse(INVITATION_410)
  @ApiUnsupportedMediaTypeResponse(JSON_415)
  acceptInviteUserOrganizationByToken(
    @CurrentAuth() auth: AuthContext,
    @Body() body: InvitationTokenDto,
    @RequestId() requestId: string,
  ): Promise<MembershipResponseDto> {
    return this.invitations.answerByToken(auth, body.token, 'accept', requestId);
  }

  @Post('invitations/decline')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'declineInviteUserOrganizationByToken',
    summary: 'Decline an invitation with the emailed token',
    description:
      'The signed-in invitee declines with the link’s token. The caller must be the invited person (else 403). Declining twice answers the same; already accepted: 409.',
  })
  @ApiBody({
    type: InvitationTokenDto,
    examples: { token: { summary: 'The token of the link', value: TOKEN_EXAMPLE } },
  })
  @ApiOkResponse({ description: 'The declined invitation', type: MembershipResponseDto, example: DECLINED_EXAMPLE })
  @ApiBadRequestResponse(VALIDATION_400)
  @ApiForbiddenResponse({
    description: 'The invitation is addressed to another account',
    ...errorExamples({
      otherAccount: [
        InvitationErrorCode.INVITATION_NOT_FOR_CALLER,
        'This invitation is addressed to another account; sign in as the invited person',
      ],
    }),
  })
  @ApiNotFoundResponse({
    description: 'No invitation has this token (never issued, or replaced by a resend)',
    ...errorExamples({ notFound: [InvitationErrorCode.INVITATION_NOT_FOUND, 'No such invitation'] }),
  })
  @ApiConflictResponse(ACCEPTED_409)
  @ApiGoneResponse(INVITATION_410)
  @ApiUnsupportedMediaTypeResponse(JSON_415)
  declineInviteUserOrganizationByToken(
    @CurrentAuth() auth: AuthContext,
    @Body() body: InvitationTokenDto,
    @RequestId() requestId: string,
  ): Promise<MembershipResponseDto> {
    return this.invitations.answerByToken(auth, body.token, 'decline', requestId);
  }
}
