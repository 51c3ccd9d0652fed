import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Backoffice, CurrentAuth } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/auth-context.js';
import { ErrorBody } from '../common/error-body.js';
import { RequestId } from '../common/request-id.decorator.js';
import { MembershipResponseDto } from '../memberships/dto/membership-data.dto.js';
import { RegisterUserOrganizationDto } from './dto/register-user-organization.dto.js';
import { ETAG_HEADER_DOC } from '../memberships/if-match.decorator.js';
import { ApiPathId, PathId } from '../common/path-id.decorator.js';
import { RegistrationsService } from './registrations.service.js';

/** Backoffice registration (`createRegisterUserOrganization`), exactly as its seed page shows it. */
@ApiTags('backoffice')
@Controller('users-organizations/v1/bo/users/register')
export class RegistrationsController {
  constructor(private readonly registrations: RegistrationsService) {}

  @Post(':userId/organizations/:organizationId')
  @HttpCode(HttpStatus.CREATED)
  @Backoffice()
  @ApiOperation({
    summary: 'Create register user organization',
    description:
      'Backoffice registers an existing user into an organization directly, as an `active` member with the ' +
      'given role (`scope`) and `permissions`; no invitation is sent. The user and the organization must exist ' +
      'and not be soft-deleted (404). A live membership or pending invitation of that user in that ' +
      'organization is a 409; a removed (soft-deleted) one is kept as history and a new live membership is ' +
      'created beside it. Concurrent identical requests create one membership: one 201, the others 409. ' +
      'The change is recorded in the audit trail (`membership.registered`). Needs the backoffice role.',
  })
  @ApiPathId('userId', 'Unique identifier of the user')
  @ApiPathId('organizationId', 'Unique identifier of the organization')
  @ApiBody({
    type: RegisterUserOrganizationDto,
    description: 'Details required to create register user organization',
    examples: {
      admin: {
        summary: 'Register as ADMIN (the seed example)',
        value: { scope: 1, permissions: { group: 0, manage: [1, 2], read: [1, 2] } },
      },
      member: {
        summary: 'Register as MEMBER with read access',
        value: { scope: 2, permissions: { group: 0, manage: [], read: [1] } },
      },
    },
  })
  @ApiCreatedResponse({
    description: 'The register user organization has been created',
    type: MembershipResponseDto,
    headers: ETAG_HEADER_DOC,
    example: {
      data: {
        userId: 1,
        organizationId: 1,
        scope: 1,
        permissions: { group: 0, read: [1, 2], manage: [1, 2] },
        professionId: null,
        status: 'active',
        deletedAt: null,
        updatedAt: '2024-12-09T14:23:00.000Z',
        createdAt: '2024-12-09T14:23:00.000Z',
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'A path id is not a safe integer, or the body is invalid (VALIDATION_FAILED, with details)',
    type: ErrorBody,
  })
  @ApiNotFoundResponse({
    description: 'The user (USER_NOT_FOUND) or the organization (ORGANIZATION_NOT_FOUND) does not exist or is deleted',
    type: ErrorBody,
  })
  @ApiConflictResponse({
    description: 'The user already has a live membership or pending invitation there (MEMBERSHIP_ALREADY_EXISTS)',
    type: ErrorBody,
  })
  async createRegisterUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathId('organizationId') organizationId: number,
    @Body() body: RegisterUserOrganizationDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MembershipResponseDto> {
    const { body: created, etag } = await this.registrations.register(
      { auth, requestId },
      userId,
      organizationId,
      body,
    );
    res.setHeader('ETag', etag);
    return created;
  }
}
