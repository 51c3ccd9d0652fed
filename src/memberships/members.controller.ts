import { Body, Controller, Delete, Get, Patch, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated, CurrentAuth } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/auth-context.js';
import { ErrorBody } from '../common/error-body.js';
import { RequestId } from '../common/request-id.decorator.js';
import { ListMembersQueryDto } from './dto/list-members-query.dto.js';
import { MemberPageDto } from './dto/member-page.dto.js';
import { MemberResponseDto } from './dto/member-response.dto.js';
import { OrganizationQueryDto } from './dto/organization-query.dto.js';
import { UpdateMembershipDto } from './dto/update-membership.dto.js';
import { MembershipsService } from './memberships.service.js';
import { ApiIfMatch, ETAG_HEADER_DOC, IfMatch } from './if-match.decorator.js';
import { ApiPathId, PathId } from '../common/path-id.decorator.js';
import { MEMBER_EXAMPLE, PAGE_EXAMPLE, UPDATE_EXAMPLES } from './openapi-examples.js';

const ADMIN_FORBIDDEN =
  'The path userId is not the caller (NOT_THE_CALLER), or the caller is not an active ADMIN of the ' +
  'organization (NOT_ORGANIZATION_ADMIN)';
const BAD_REQUEST =
  'A path id or a query parameter is invalid (VALIDATION_FAILED, `details` naming it), or the caller ' +
  'administers several organizations and gave no organizationId (ORGANIZATION_REQUIRED)';
const CALLER = 'Unique identifier of the caller (must be the user of the tokens)';

/**
 * An organization's admins manage its members (`rs` routes, in the style of the seed's
 * `/rs/na/{userId}/invite`). The organization is the `organizationId` query parameter,
 * else the session's, else the caller's only organization where it is an ADMIN.
 */
@ApiTags('members')
@Controller('users-organizations/v1/rs/na/:userId')
export class MembersController {
  constructor(private readonly memberships: MembershipsService) {}

  @Get('members')
  @Authenticated()
  @ApiOperation({
    summary: 'List the members and invitations of an organization',
    description:
      "For an organization's active ADMINs: its memberships, `active` members and `invited` pending " +
      'invitations (filter with `status`, `scope`, `email` prefix), oldest first. Each pending invitation says ' +
      'its `state`: `pending`, or `expired` past its expiry; filter them with `state` and `invitedBy`. Removed memberships are ' +
      'listed only with `includeDeleted=true`. Pages hold `limit` items (default 50, at most 200); pass ' +
      '`nextCursor` back as `cursor` for the next page, until it is null.',
  })
  @ApiPathId('userId', CALLER)
  @ApiOkResponse({ description: 'One page of memberships', type: MemberPageDto, example: PAGE_EXAMPLE })
  @ApiBadRequestResponse({ description: BAD_REQUEST, type: ErrorBody })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  async listMembersUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @Query() query: ListMembersQueryDto,
  ): Promise<MemberPageDto> {
    return this.memberships.listAsAdmin(auth, userId, query);
  }

  @Get('members/:memberUserId')
  @Authenticated()
  @ApiOperation({
    summary: 'Get a member of an organization',
    description:
      "For an organization's active ADMINs: the live membership (or pending invitation) of `memberUserId`. " +
      'The `ETag` header carries its version, for `If-Match` on a later change.',
  })
  @ApiPathId('userId', CALLER)
  @ApiPathId('memberUserId', 'Unique identifier of the member')
  @ApiOkResponse({
    description: 'The membership',
    type: MemberResponseDto,
    headers: ETAG_HEADER_DOC,
    example: { data: MEMBER_EXAMPLE },
  })
  @ApiBadRequestResponse({ description: BAD_REQUEST, type: ErrorBody })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  @ApiNotFoundResponse({
    description: 'The user has no live membership in the organization (MEMBERSHIP_NOT_FOUND)',
    type: ErrorBody,
  })
  async getMemberUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @PathId('memberUserId') memberUserId: number,
    @Query() query: OrganizationQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    const { data, etag } = await this.memberships.getAsAdmin(auth, userId, memberUserId, query.organizationId);
    res.setHeader('ETag', etag);
    return { data };
  }

  @Patch('members/:memberUserId')
  @Authenticated()
  @ApiOperation({
    summary: "Change a member's role or permissions",
    description:
      "For an organization's active ADMINs: changes `scope`, `permissions` (replaced as a whole) and/or " +
      '`professionId` of a live membership or pending invitation; at least one of them. An admin cannot grant ' +
      'permission ids it does not hold itself (403 PERMISSION_ESCALATION). The last active ADMIN cannot be ' +
      'demoted (409 LAST_ADMIN). With `If-Match`, a membership changed since it was read is left alone (412). ' +
      'Recorded in the audit trail (`membership.updated`, with the before and after).',
  })
  @ApiPathId('userId', CALLER)
  @ApiPathId('memberUserId', 'Unique identifier of the member')
  @ApiIfMatch()
  @ApiBody({ type: UpdateMembershipDto, examples: UPDATE_EXAMPLES })
  @ApiOkResponse({
    description: 'The changed membership',
    type: MemberResponseDto,
    headers: ETAG_HEADER_DOC,
    example: { data: MEMBER_EXAMPLE },
  })
  @ApiBadRequestResponse({
    description: `${BAD_REQUEST}; the body is invalid or empty (NOTHING_TO_UPDATE); If-Match is malformed (VALIDATION_FAILED)`,
    type: ErrorBody,
  })
  @ApiForbiddenResponse({
    description: `${ADMIN_FORBIDDEN}, or the change grants permissions the caller does not hold (PERMISSION_ESCALATION)`,
    type: ErrorBody,
  })
  @ApiNotFoundResponse({
    description: 'The user has no live membership in the organization (MEMBERSHIP_NOT_FOUND)',
    type: ErrorBody,
  })
  @ApiConflictResponse({ description: 'It would demote the last active ADMIN (LAST_ADMIN)', type: ErrorBody })
  async updateMemberUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathId('memberUserId') memberUserId: number,
    @Query() query: OrganizationQueryDto,
    @Body() body: UpdateMembershipDto,
    @IfMatch() ifMatch: number[] | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    const { data, etag } = await this.memberships.updateAsAdmin(
      { auth, requestId },
      userId,
      memberUserId,
      query.organizationId,
      body,
      ifMatch,
    );
    res.setHeader('ETag', etag);
    return { data };
  }

  @Delete('members/:memberUserId')
  @Authenticated()
  @ApiOperation({
    summary: 'Remove a member from an organization',
    description:
      "For an organization's active ADMINs: soft-deletes the live membership (or pending invitation) of " +
      '`memberUserId`: `deletedAt` is set, `endReason` is `removed`, and its access ends at once. The row stays ' +
      'as history (`includeDeleted=true`). The last active ADMIN cannot be removed (409 LAST_ADMIN). Answers ' +
      'the removed membership. Recorded in the audit trail (`membership.removed`).',
  })
  @ApiPathId('userId', CALLER)
  @ApiPathId('memberUserId', 'Unique identifier of the member')
  @ApiIfMatch()
  @ApiOkResponse({
    description: 'The removed membership',
    type: MemberResponseDto,
    headers: ETAG_HEADER_DOC,
    example: {
      data: { ...MEMBER_EXAMPLE, endReason: 'removed', endedBy: 3, version: 3, deletedAt: '2024-12-10T09:00:00.000Z' },
    },
  })
  @ApiBadRequestResponse({ description: `${BAD_REQUEST}; If-Match is malformed (VALIDATION_FAILED)`, type: ErrorBody })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  @ApiNotFoundResponse({
    description: 'The user has no live membership in the organization (MEMBERSHIP_NOT_FOUND)',
    type: ErrorBody,
  })
  @ApiConflictResponse({ description: 'It would remove the last active ADMIN (LAST_ADMIN)', type: ErrorBody })
  async deleteMemberUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathId('memberUserId') memberUserId: number,
    @Query() query: OrganizationQueryDto,
    @IfMatch() ifMatch: number[] | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    const { data, etag } = await this.memberships.removeAsAdmin(
      { auth, requestId },
      userId,
      memberUserId,
      query.organizationId,
      ifMatch,
    );
    res.setHeader('ETag', etag);
    return { data };
  }

  @Delete('organizations/:organizationId/membership')
  @Authenticated()
  @ApiOperation({
    summary: 'Leave an organization',
    description:
      'The caller ends its own active membership in the organization: soft delete with `endReason` `left`. ' +
      'The last active ADMIN cannot leave (409 LAST_ADMIN): make another member admin first. A pending ' +
      'invitation is declined through the invitation routes, not left (409 INVITATION_PENDING). Recorded in ' +
      'the audit trail (`membership.left`).',
  })
  @ApiPathId('userId', CALLER)
  @ApiPathId('organizationId', 'Unique identifier of the organization to leave')
  @ApiIfMatch()
  @ApiOkResponse({
    description: 'The ended membership',
    type: MemberResponseDto,
    headers: ETAG_HEADER_DOC,
    example: {
      data: { ...MEMBER_EXAMPLE, endReason: 'left', endedBy: 7, version: 3, deletedAt: '2024-12-10T09:00:00.000Z' },
    },
  })
  @ApiBadRequestResponse({
    description: 'A path id or If-Match is malformed (VALIDATION_FAILED, `details` naming it)',
    type: ErrorBody,
  })
  @ApiForbiddenResponse({ description: 'The path userId is not the caller (NOT_THE_CALLER)', type: ErrorBody })
  @ApiNotFoundResponse({
    description: 'The caller has no live membership in the organization (MEMBERSHIP_NOT_FOUND)',
    type: ErrorBody,
  })
  @ApiConflictResponse({
    description:
      'The caller is its last active ADMIN (LAST_ADMIN), or the membership is a pending invitation (INVITATION_PENDING)',
    type: ErrorBody,
  })
  async leaveUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathId('organizationId') organizationId: number,
    @IfMatch() ifMatch: number[] | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    const { data, etag } = await this.memberships.leave({ auth, requestId }, userId, organizationId, ifMatch);
    res.setHeader('ETag', etag);
    return { data };
  }
}
