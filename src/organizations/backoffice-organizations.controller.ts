import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Backoffice, CurrentAuth } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/auth-context.js';
import { ErrorBody } from '../common/error-body.js';
import { ApiPathId, PathId } from '../common/path-id.decorator.js';
import { RequestId } from '../common/request-id.decorator.js';
import { ORGANIZATION_EXAMPLE, OrganizationNameDto, OrganizationResponseDto } from './dto/organization.dto.js';
import { OrganizationsService } from './organizations.service.js';

const ORGANIZATION_ID = 'Unique identifier of the organization';
const BAD_ID = 'The path id is not an integer (INVALID_PATH_PARAMETER)';
const BAD_BODY = 'The body is invalid: name missing, empty, over 200 characters, or unknown fields (VALIDATION_FAILED)';
const NOT_FOUND = 'The organization never existed or is deleted (ORGANIZATION_NOT_FOUND)';

/** Backoffice creates, renames, deletes and restores organizations; every change is audited. */
@ApiTags('backoffice')
@Controller('users-organizations/v1/bo/organizations')
export class BackofficeOrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @Backoffice()
  @ApiOperation({
    summary: 'Create an organization',
    description:
      'A new live organization with no members (register or invite its first ADMIN next). Audited ' +
      '(`organization.created`). Needs the backoffice role.',
  })
  @ApiCreatedResponse({
    description: 'The organization',
    type: OrganizationResponseDto,
    example: { data: ORGANIZATION_EXAMPLE },
  })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  async createBoOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @Body() body: OrganizationNameDto,
  ): Promise<OrganizationResponseDto> {
    return { data: await this.organizations.create({ auth, requestId }, body.name) };
  }

  @Get(':organizationId')
  @Backoffice()
  @ApiOperation({ summary: 'Get an organization', description: 'A live organization. Needs the backoffice role.' })
  @ApiPathId('organizationId', ORGANIZATION_ID)
  @ApiOkResponse({
    description: 'The organization',
    type: OrganizationResponseDto,
    example: { data: ORGANIZATION_EXAMPLE },
  })
  @ApiBadRequestResponse({ description: BAD_ID, type: ErrorBody })
  @ApiNotFoundResponse({ description: NOT_FOUND, type: ErrorBody })
  async getBoOrganization(@PathId('organizationId') organizationId: number): Promise<OrganizationResponseDto> {
    return { data: await this.organizations.get(organizationId) };
  }

  @Patch(':organizationId')
  @Backoffice()
  @ApiOperation({
    summary: 'Rename an organization',
    description:
      'Changes the name of a live organization (the same name again changes nothing and records nothing). ' +
      'Audited (`organization.renamed`, with the before and after). Needs the backoffice role.',
  })
  @ApiPathId('organizationId', ORGANIZATION_ID)
  @ApiOkResponse({
    description: 'The renamed organization',
    type: OrganizationResponseDto,
    example: { data: ORGANIZATION_EXAMPLE },
  })
  @ApiBadRequestResponse({ description: `${BAD_ID}; ${BAD_BODY}`, type: ErrorBody })
  @ApiNotFoundResponse({ description: NOT_FOUND, type: ErrorBody })
  async updateBoOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('organizationId') organizationId: number,
    @Body() body: OrganizationNameDto,
  ): Promise<OrganizationResponseDto> {
    return { data: await this.organizations.rename({ auth, requestId }, organizationId, body.name) };
  }

  @Delete(':organizationId')
  @Backoffice()
  @ApiOperation({
    summary: 'Delete an organization (soft delete)',
    description:
      'The organization becomes unknown to every route at once: its memberships stop granting anything and ' +
      'its pending invitations can no longer be accepted (their unsent emails are cancelled). Nothing is ' +
      'erased: memberships and the audit trail stay, and restoring brings the memberships back as they were. ' +
      'Audited (`organization.deleted`). Needs the backoffice role.',
  })
  @ApiPathId('organizationId', ORGANIZATION_ID)
  @ApiOkResponse({
    description: 'The deleted organization',
    type: OrganizationResponseDto,
    example: { data: { ...ORGANIZATION_EXAMPLE, deletedAt: '2024-12-10T09:00:00.000Z' } },
  })
  @ApiBadRequestResponse({ description: BAD_ID, type: ErrorBody })
  @ApiNotFoundResponse({ description: NOT_FOUND, type: ErrorBody })
  async deleteBoOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('organizationId') organizationId: number,
  ): Promise<OrganizationResponseDto> {
    return { data: await this.organizations.remove({ auth, requestId }, organizationId) };
  }

  @Post(':organizationId/restore')
  @Backoffice()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Restore a deleted organization',
    description:
      'Brings a deleted organization back with its memberships as they were when it was deleted. Audited ' +
      '(`organization.restored`). Needs the backoffice role.',
  })
  @ApiPathId('organizationId', ORGANIZATION_ID)
  @ApiOkResponse({
    description: 'The restored organization',
    type: OrganizationResponseDto,
    example: { data: ORGANIZATION_EXAMPLE },
  })
  @ApiBadRequestResponse({ description: BAD_ID, type: ErrorBody })
  @ApiNotFoundResponse({ description: 'The organization never existed (ORGANIZATION_NOT_FOUND)', type: ErrorBody })
  @ApiConflictResponse({ description: 'The organization is not deleted (ORGANIZATION_NOT_DELETED)', type: ErrorBody })
  async restoreBoOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('organizationId') organizationId: number,
  ): Promise<OrganizationResponseDto> {
    return { data: await this.organizations.restore({ auth, requestId }, organizationId) };
  }
}
