import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Backoffice, CurrentAuth } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/auth-context.js';
import { ErrorBody } from '../common/error-body.js';
import { RequestId } from '../common/request-id.decorator.js';
import { ListMembershipsQueryDto } from './dto/list-memberships-query.dto.js';
import { MemberPageDto } from './dto/member-page.dto.js';
import { MemberResponseDto } from './dto/member-response.dto.js';
import { UpdateMembershipDto } from './dto/update-membership.dto.js';
import { MembershipsService } from './memberships.service.js';
import { RestoreMembershipDto } from './dto/restore-membership.dto.js';
import { ApiIfMatch, ETAG_HEADER_DOC, IfMatch } from './if-match.decorator.js';
import { MEMBER_EXAMPLE, PAGE_EXAMPLE, UPDATE_EXAMPLES } from './openapi-examples.js';
import { ApiPathId, PathId } from '../common/path-id.decorator.js';

const BAD_QUERY = 'A path id or a query parameter is invalid (VALIDATION_FAILED, `details` naming it)';
const NO_MEMBERSHIP = 'The user has no live membership in the organization (MEMBERSHIP_NOT_FOUND)';
const LIST_DESCRIPTION =
  'Filters: `status` (`invited` = pending invitations, `active` = members), `scope`, `email` (case-insensitive ' +
  'prefix), `includeDeleted=true` to also list removed memberships. Oldest first; pages of `limit` (default 50, ' +
  'at most 200); pass `nextCursor` back as `cursor` until it is null. Needs the backoffice role.';

/** Backoffice versions of list, change, remove and restore, for any organization and any user. */
@ApiTags('backoffice')
@Controller('users-organizations/v1/bo')
export class BackofficeMembershipsController {
  constructor(private readonly memberships: MembershipsService) {}

  @Get('organizations/:organizationId/members')
  @Backoffice()
  @ApiOperation({
    summary: "List any organization's memberships",
    description: `Every membership and pending invitation of the organization (a deleted organization answers 404, as an unknown one). ${LIST_DESCRIPTION}`,
  })
  @ApiPathId('organizationId', 'Unique identifier of the organization')
  @ApiOkResponse({ description: 'One page of memberships', type: MemberPageDto, example: PAGE_EXAMPLE })
  @ApiBadRequestResponse({ description: BAD_QUERY, type: ErrorBody })
  @ApiNotFoundResponse({ description: 'The organization never existed (ORGANIZATION_NOT_FOUND)', type: ErrorBody })
  async listBoOrganizationMembers(
    @PathId('organizationId') organizationId: number,
    @Query() query: ListMembershipsQueryDto,
  ): Promise<MemberPageDto> {
    return this.memberships.listForOrganization(organizationId, query);
  }

  @Get('users/:userId/organizations')
  @Backoffice()
  @ApiOperation({
    summary: "List any user's memberships",
    description: `Every membership and pending invitation of the user, in any organization. ${LIST_DESCRIPTION}`,
  })
  @ApiPathId('userId', 'Unique identifier of the user')
  @ApiOkResponse({ description: 'One page of memberships', type: MemberPageDto, example: PAGE_EXAMPLE })
  @ApiBadRequestResponse({ description: BAD_QUERY, type: ErrorBody })
  @ApiNotFoundResponse({ description: 'The user never existed (USER_NOT_FOUND)', type: ErrorBody })
  async listBoUserOrganizations(
    @PathId('userId') userId: number,
    @Query() query: ListMembershipsQueryDto,
  ): Promise<MemberPageDto> {
    return this.memberships.listForUser(userId, query);
  }

  @Get('users/:userId/organizations/:organizationId')
  @Backoffice()
  @ApiOperation({
    summary: "Get a user's membership in an organization",
    description:
      'The live membership (or pending invitation) of the user in the organization; the `ETag` header carries ' +
      'its version, for `If-Match` on a later change. Needs the backoffice role.',
  })
  @ApiPathId('userId', 'Unique identifier of the user')
  @ApiPathId('organizationId', 'Unique identifier of the organization')
  @ApiOkResponse({
    description: 'The membership',
    type: MemberResponseDto,
    headers: ETAG_HEADER_DOC,
    example: { data: MEMBER_EXAMPLE },
  })
  @ApiBadRequestResponse({ description: BAD_QUERY, type: ErrorBody })
  @ApiNotFoundResponse({ description: NO_MEMBERSHIP, type: ErrorBody })
  async getBoUserOrganization(
    @PathId('userId') userId: number,
    @PathId('organizationId') organizationId: number,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    const { data, etag } = await this.memberships.getLive(organizationId, userId);
    res.setHeader('ETag', etag);
    return { data };
  }

  @Patch('users/:userId/organizations/:organizationId')
  @Backoffice()
  @ApiOperation({
    summary: "Change a user's role or permissions in an organization",
    description:
      'Changes `scope`, `permissions` (replaced as a whole) and/or `professionId` of the live membership or ' +
      'pending invitation; at least one of them. Backoffice may grant anything, but the last active ADMIN ' +
      'still cannot be demoted (409 LAST_ADMIN). With `If-Match`, a membership changed since it was read is ' +
      'left alone (412). Recorded in the audit trail (`membership.updated`).',
  })
  @ApiPathId('userId', 'Unique identifier of the user')
  @ApiPathId('organizationId', 'Unique identifier of the organization')
  @ApiIfMatch()
  @ApiBody({ type: UpdateMembershipDto, examples: UPDATE_EXAMPLES })
  @ApiOkResponse({
    description: 'The changed membership',
    type: MemberResponseDto,
    headers: ETAG_HEADER_DOC,
    example: { data: MEMBER_EXAMPLE },
  })
  @ApiBadRequestResponse({
    description: `${BAD_QUERY}; the body is invalid or empty (NOTHING_TO_UPDATE); If-Match is malformed (VALIDATION_FAILED)`,
    type: ErrorBody,
  })
  @ApiNotFoundResponse({ description: NO_MEMBERSHIP, type: ErrorBody })
  @ApiConflictResponse({ description: 'It would demote the last active ADMIN (LAST_ADMIN)', type: ErrorBody })
  async updateBoUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathId('organizationId') organizationId: number,
    @Body() body: UpdateMembershipDto,
    @IfMatch() ifMatch: number[] | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    const { data, etag } = await this.memberships.update(
      { auth, requestId },
      'backoffice',
      organizationId,
      userId,
      body,
      ifMatch,
    );
    res.setHeader('ETag', etag);
    return { data };
  }

  @Delete('users/:userId/organizations/:organizationId')
  @Backoffice()
  @ApiOperation({
    summary: 'Remove a user from an organization',
    description:
      'Soft-deletes the live membership or pending invitation: `deletedAt` is set, `endReason` is `removed`, ' +
      'its access ends at once; the row stays as history and can be restored. The last active ADMIN cannot ' +
      'be removed (409 LAST_ADMIN). Recorded in the audit trail (`membership.removed`).',
  })
  @ApiPathId('userId', 'Unique identifier of the user')
  @ApiPathId('organizationId', 'Unique identifier of the organization')
  @ApiIfMatch()
  @ApiOkResponse({
    description: 'The removed membership',
    type: MemberResponseDto,
    headers: ETAG_HEADER_DOC,
    example: {
      data: { ...MEMBER_EXAMPLE, endReason: 'removed', endedBy: 1, version: 3, deletedAt: '2024-12-10T09:00:00.000Z' },
    },
  })
  @ApiBadRequestResponse({ description: `${BAD_QUERY}; If-Match is malformed (VALIDATION_FAILED)`, type: ErrorBody })
  @ApiNotFoundResponse({ description: NO_MEMBERSHIP, type: ErrorBody })
  @ApiConflictResponse({ description: 'It would remove the last active ADMIN (LAST_ADMIN)', type: ErrorBody })
  async deleteBoUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathId('organizationId') organizationId: number,
    @IfMatch() ifMatch: number[] | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    const { data, etag } = await this.memberships.remove(
      { auth, requestId },
      'backoffice',
      organizationId,
      userId,
      ifMatch,
    );
    res.setHeader('ETag', etag);
    return { data };
  }

  @Post('users/:userId/organizations/:organizationId/restore')
  @HttpCode(HttpStatus.OK)
  @Backoffice()
  @ApiOperation({
    summary: 'Restore a removed membership',
    description:
      'Brings back a soft-deleted membership of the user in the organization: the one named by `membershipId`, ' +
      'else the most recently removed one. It keeps its previous `scope` and `permissions` unless new ones are ' +
      'given. A live membership or pending invitation of the user there already: 409 (MEMBERSHIP_ALREADY_EXISTS). ' +
      'Ended invitations are not restorable (409 MEMBERSHIP_NOT_RESTORABLE). Recorded in the audit trail ' +
      '(`membership.restored`).',
  })
  @ApiPathId('userId', 'Unique identifier of the user')
  @ApiPathId('organizationId', 'Unique identifier of the organization')
  @ApiBody({
    type: RestoreMembershipDto,
    required: false,
    examples: {
      asItWas: { summary: 'The most recently removed membership, as it was', value: {} },
      withChanges: {
        summary: 'A given row, as a MEMBER with new permissions',
        value: { membershipId: 42, scope: 2, permissions: { group: 0, read: [1], manage: [] } },
      },
    },
  })
  @ApiOkResponse({
    description: 'The restored membership',
    type: MemberResponseDto,
    headers: ETAG_HEADER_DOC,
    example: { data: MEMBER_EXAMPLE },
  })
  @ApiBadRequestResponse({ description: `${BAD_QUERY}, or the body is invalid`, type: ErrorBody })
  @ApiNotFoundResponse({
    description:
      'The user or organization does not exist or is deleted (USER_NOT_FOUND, ORGANIZATION_NOT_FOUND), or ' +
      'there is no removed membership to restore (MEMBERSHIP_NOT_FOUND)',
    type: ErrorBody,
  })
  @ApiConflictResponse({
    description:
      'A live membership exists (MEMBERSHIP_ALREADY_EXISTS), or the row is an ended invitation (MEMBERSHIP_NOT_RESTORABLE)',
    type: ErrorBody,
  })
  async restoreBoUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathId('organizationId') organizationId: number,
    @Body() body: RestoreMembershipDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    const { data, etag } = await this.memberships.restore({ auth, requestId }, userId, organizationId, body);
    res.setHeader('ETag', etag);
    return { data };
  }
}
