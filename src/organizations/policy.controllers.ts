import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, Backoffice, CurrentAuth } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/auth-context.js';
import { ErrorBody } from '../common/error-body.js';
import { ApiPathId, PathId } from '../common/path-id.decorator.js';
import { RequestId } from '../common/request-id.decorator.js';
import { OrganizationQueryDto } from '../memberships/dto/organization-query.dto.js';
import { POLICY_EXAMPLE, PolicyResponseDto, UpdateAdminPolicyDto, UpdatePolicyDto } from './dto/policy.dto.js';
import { PolicyService } from './policy.service.js';

const ENFORCED =
  'Enforced wherever a live membership is added (invite, bulk item, register, restore, accept): active members ' +
  'plus pending invitations never exceed `maxMembers` (409 SEAT_LIMIT_REACHED), pending invitations never ' +
  'exceed `maxPendingInvitations` (409 PENDING_INVITATION_LIMIT), and the address of the person added must ' +
  'have one of `allowedEmailDomains` (403 EMAIL_DOMAIN_NOT_ALLOWED). Lowering a limit below what is used ' +
  'removes nobody: it refuses new members until enough leave.';
const ADMIN_FORBIDDEN =
  'The path userId is not the caller (NOT_THE_CALLER), or the caller is not an active ADMIN of the ' +
  'organization (NOT_ORGANIZATION_ADMIN)';
const CALLER = 'Unique identifier of the caller (must be the user of the tokens)';

/** Backoffice reads and sets an organization's limits and allowed email domains. */
@ApiTags('backoffice')
@Controller('users-organizations/v1/bo/organizations/:organizationId/policy')
export class BackofficePolicyController {
  constructor(private readonly policies: PolicyService) {}

  @Get()
  @Backoffice()
  @ApiOperation({ summary: "Get an organization's limits and allowed email domains", description: ENFORCED })
  @ApiPathId('organizationId', 'Unique identifier of the organization')
  @ApiOkResponse({ description: 'The policy', type: PolicyResponseDto, example: { data: POLICY_EXAMPLE } })
  @ApiBadRequestResponse({ description: 'The path id is not an integer (INVALID_PATH_PARAMETER)', type: ErrorBody })
  @ApiNotFoundResponse({
    description: 'The organization never existed or is deleted (ORGANIZATION_NOT_FOUND)',
    type: ErrorBody,
  })
  async getBoOrganizationPolicy(@PathId('organizationId') organizationId: number): Promise<PolicyResponseDto> {
    return { data: await this.policies.get(organizationId) };
  }

  @Patch()
  @Backoffice()
  @ApiOperation({
    summary: "Set an organization's limits and allowed email domains",
    description:
      'Any of `maxMembers`, `maxPendingInvitations` (integers ≥ 0, null: no limit) and `allowedEmailDomains` ' +
      '(null: any); at least one. Audited (`organization.policy_updated`, with the before and after). ' +
      ENFORCED,
  })
  @ApiPathId('organizationId', 'Unique identifier of the organization')
  @ApiBody({
    type: UpdatePolicyDto,
    examples: {
      limits: { summary: 'Cap seats and pending invitations', value: { maxMembers: 25, maxPendingInvitations: 10 } },
      domains: { summary: 'Only company addresses', value: { allowedEmailDomains: ['example.com'] } },
      unlimited: {
        summary: 'Remove every limit',
        value: { maxMembers: null, maxPendingInvitations: null, allowedEmailDomains: null },
      },
    },
  })
  @ApiOkResponse({ description: 'The policy as it now is', type: PolicyResponseDto, example: { data: POLICY_EXAMPLE } })
  @ApiBadRequestResponse({
    description:
      'The path id or the body is invalid: a limit not an integer ≥ 0, a domain not an ASCII host name, over ' +
      '100 domains, unknown fields (VALIDATION_FAILED), or nothing to change (NOTHING_TO_UPDATE)',
    type: ErrorBody,
  })
  @ApiNotFoundResponse({
    description: 'The organization never existed or is deleted (ORGANIZATION_NOT_FOUND)',
    type: ErrorBody,
  })
  async updateBoOrganizationPolicy(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('organizationId') organizationId: number,
    @Body() body: UpdatePolicyDto,
  ): Promise<PolicyResponseDto> {
    return { data: await this.policies.update({ auth, requestId }, organizationId, body) };
  }
}

/** An organization's admins read its policy and set its allowed email domains. */
@ApiTags('organizations')
@Controller('users-organizations/v1/rs/na/:userId/policy')
export class AdminPolicyController {
  constructor(private readonly policies: PolicyService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    summary: "Get my organization's limits and allowed email domains",
    description:
      "For an organization's active ADMINs; the organization is resolved as for the invite route " +
      "(`organizationId`, else the session's, else the only one the caller administers). " +
      ENFORCED,
  })
  @ApiPathId('userId', CALLER)
  @ApiOkResponse({ description: 'The policy', type: PolicyResponseDto, example: { data: POLICY_EXAMPLE } })
  @ApiBadRequestResponse({
    description:
      'A path id or a query parameter is invalid (INVALID_PATH_PARAMETER, VALIDATION_FAILED), or the caller ' +
      'administers several organizations and gave no organizationId (ORGANIZATION_REQUIRED)',
    type: ErrorBody,
  })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  async getPolicyUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @Query() query: OrganizationQueryDto,
  ): Promise<PolicyResponseDto> {
    return { data: await this.policies.getAsAdmin(auth, userId, query.organizationId) };
  }

  @Patch()
  @Authenticated()
  @ApiOperation({
    summary: "Set my organization's allowed email domains",
    description:
      "For an organization's active ADMINs: replaces `allowedEmailDomains` (null: any domain). The limits are " +
      "backoffice's: `maxMembers` or `maxPendingInvitations` in the body is refused as an unknown field (400). " +
      'Audited (`organization.policy_updated`). Pending invitations already sent stay; accepting one needs an ' +
      'allowed domain.',
  })
  @ApiPathId('userId', CALLER)
  @ApiBody({
    type: UpdateAdminPolicyDto,
    examples: {
      domains: { summary: 'Only company addresses', value: { allowedEmailDomains: ['example.com', 'example.org'] } },
      any: { summary: 'Any domain', value: { allowedEmailDomains: null } },
    },
  })
  @ApiOkResponse({ description: 'The policy as it now is', type: PolicyResponseDto, example: { data: POLICY_EXAMPLE } })
  @ApiBadRequestResponse({
    description:
      'A path id, the query or the body is invalid: a domain not an ASCII host name, over 100 domains, a limit ' +
      'or another unknown field (VALIDATION_FAILED); several administered organizations and no organizationId ' +
      '(ORGANIZATION_REQUIRED)',
    type: ErrorBody,
  })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  async updatePolicyUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @Query() query: OrganizationQueryDto,
    @Body() body: UpdateAdminPolicyDto,
  ): Promise<PolicyResponseDto> {
    return {
      data: await this.policies.updateAsAdmin(
        { auth, requestId },
        userId,
        query.organizationId,
        body.allowedEmailDomains,
      ),
    };
  }
}
