import { Body, Controller, Delete, Get, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
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
import { ApiPathRoleKey, PathRoleKey } from './dto/role-key.decorator.js';
import { CreateRoleDto, ROLE_EXAMPLE, RoleListResponseDto, RoleResponseDto, UpdateRoleDto } from './dto/role.dto.js';
import { BUILT_IN_ROLES } from './role-presets.js';
import { MAX_CUSTOM_ROLES, RolesService } from './roles.service.js';

const WHAT =
  'A role is a preset: invite, bulk invite, register and member change take `roleKey` in place of `scope` + ' +
  '`permissions` and copy the role into the membership, which remembers the key. Changing or deleting a role ' +
  'later leaves memberships as they are. `admin` and `member` are built in.';
const LIST_EXAMPLE = {
  data: [...BUILT_IN_ROLES.map((r) => ({ ...r, builtIn: true })), ROLE_EXAMPLE],
};
const CREATE_EXAMPLES = {
  support: {
    summary: 'A member role with some permissions',
    value: { key: 'support', name: 'Support agent', scope: 2, permissions: { group: 0, read: [1, 2], manage: [2] } },
  },
};
const UPDATE_EXAMPLES = {
  rename: { summary: 'Rename', value: { name: 'Support lead' } },
  permissions: {
    summary: 'Replace the permissions',
    value: { permissions: { group: 0, read: [1, 2, 3], manage: [2] } },
  },
};
const BAD_BODY =
  'A path parameter, the query or the body is invalid: a key not lower-case letters, digits and dashes ' +
  '(1 to 40), a blank name, a scope not 1 or 2, unknown fields (VALIDATION_FAILED), nothing to change ' +
  '(NOTHING_TO_UPDATE)';
const CONFLICT_CREATE = `The key is taken or built in (ROLE_EXISTS), or the organization already has ${MAX_CUSTOM_ROLES} custom roles (ROLE_LIMIT_REACHED)`;
const BUILT_IN = '`admin` and `member` cannot be changed or deleted (ROLE_BUILT_IN)';
const ADMIN_FORBIDDEN =
  'The path userId is not the caller (NOT_THE_CALLER), the caller is not an active ADMIN of the organization ' +
  '(NOT_ORGANIZATION_ADMIN), or the role would grant what the caller does not hold (PERMISSION_ESCALATION)';
const ADMIN_SCOPE =
  "For an organization's active ADMINs; the organization is resolved as for the invite route (`organizationId`, " +
  "else the session's, else the only one the caller administers). ";
const CALLER = 'Unique identifier of the caller (must be the user of the tokens)';
const ORGANIZATION_ID = 'Unique identifier of the organization';

/** An organization's admins manage its roles, within their own grant. */
@ApiTags('organizations')
@Controller('users-organizations/v1/rs/na/:userId/roles')
export class AdminRolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: "List my organization's roles", description: ADMIN_SCOPE + WHAT })
  @ApiPathId('userId', CALLER)
  @ApiOkResponse({
    description: 'Built-in roles first, then custom ones by key',
    type: RoleListResponseDto,
    example: LIST_EXAMPLE,
  })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  async listRolesUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @Query() query: OrganizationQueryDto,
  ): Promise<RoleListResponseDto> {
    return { data: await this.roles.listAsAdmin(auth, userId, query.organizationId) };
  }

  @Post()
  @Authenticated()
  @ApiOperation({
    summary: 'Create a custom role',
    description:
      ADMIN_SCOPE +
      'The role may grant only what the caller holds (its scope or lower, its permission ids). Audited (`role.created`). ' +
      WHAT,
  })
  @ApiPathId('userId', CALLER)
  @ApiBody({ type: CreateRoleDto, examples: CREATE_EXAMPLES })
  @ApiCreatedResponse({ description: 'The role', type: RoleResponseDto, example: { data: ROLE_EXAMPLE } })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  @ApiConflictResponse({ description: CONFLICT_CREATE, type: ErrorBody })
  async createRoleUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @Query() query: OrganizationQueryDto,
    @Body() body: CreateRoleDto,
  ): Promise<RoleResponseDto> {
    return { data: await this.roles.createAsAdmin({ auth, requestId }, userId, query.organizationId, body) };
  }

  @Patch(':roleKey')
  @Authenticated()
  @ApiOperation({
    summary: 'Change a custom role',
    description:
      ADMIN_SCOPE +
      'A new scope or new permissions may grant only what the caller holds. Audited (`role.updated`). ' +
      WHAT,
  })
  @ApiPathId('userId', CALLER)
  @ApiPathRoleKey()
  @ApiBody({ type: UpdateRoleDto, examples: UPDATE_EXAMPLES })
  @ApiOkResponse({ description: 'The role as it now is', type: RoleResponseDto, example: { data: ROLE_EXAMPLE } })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  @ApiNotFoundResponse({ description: 'The organization has no such custom role (ROLE_NOT_FOUND)', type: ErrorBody })
  @ApiConflictResponse({ description: BUILT_IN, type: ErrorBody })
  async updateRoleUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathRoleKey() roleKey: string,
    @Query() query: OrganizationQueryDto,
    @Body() body: UpdateRoleDto,
  ): Promise<RoleResponseDto> {
    return { data: await this.roles.updateAsAdmin({ auth, requestId }, userId, query.organizationId, roleKey, body) };
  }

  @Delete(':roleKey')
  @Authenticated()
  @ApiOperation({
    summary: 'Delete a custom role',
    description:
      ADMIN_SCOPE +
      'A soft delete: memberships made from it keep their grant and key; the key may be used again. Audited (`role.deleted`).',
  })
  @ApiPathId('userId', CALLER)
  @ApiPathRoleKey()
  @ApiOkResponse({ description: 'The role as it was', type: RoleResponseDto, example: { data: ROLE_EXAMPLE } })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  @ApiForbiddenResponse({ description: ADMIN_FORBIDDEN, type: ErrorBody })
  @ApiNotFoundResponse({ description: 'The organization has no such custom role (ROLE_NOT_FOUND)', type: ErrorBody })
  @ApiConflictResponse({ description: BUILT_IN, type: ErrorBody })
  async deleteRoleUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('userId') userId: number,
    @PathRoleKey() roleKey: string,
    @Query() query: OrganizationQueryDto,
  ): Promise<RoleResponseDto> {
    return { data: await this.roles.removeAsAdmin({ auth, requestId }, userId, query.organizationId, roleKey) };
  }
}

/** Backoffice manages any live organization's roles (not bound by a grant ceiling). */
@ApiTags('backoffice')
@Controller('users-organizations/v1/bo/organizations/:organizationId/roles')
export class BackofficeRolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @Backoffice()
  @ApiOperation({ summary: "List an organization's roles", description: WHAT })
  @ApiPathId('organizationId', ORGANIZATION_ID)
  @ApiOkResponse({
    description: 'Built-in roles first, then custom ones by key',
    type: RoleListResponseDto,
    example: LIST_EXAMPLE,
  })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  @ApiNotFoundResponse({
    description: 'The organization never existed or is deleted (ORGANIZATION_NOT_FOUND)',
    type: ErrorBody,
  })
  async listBoOrganizationRoles(@PathId('organizationId') organizationId: number): Promise<RoleListResponseDto> {
    return { data: await this.roles.list(organizationId) };
  }

  @Post()
  @Backoffice()
  @ApiOperation({
    summary: 'Create a custom role in an organization',
    description: 'Audited (`role.created`). ' + WHAT,
  })
  @ApiPathId('organizationId', ORGANIZATION_ID)
  @ApiBody({ type: CreateRoleDto, examples: CREATE_EXAMPLES })
  @ApiCreatedResponse({ description: 'The role', type: RoleResponseDto, example: { data: ROLE_EXAMPLE } })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  @ApiNotFoundResponse({
    description: 'The organization never existed or is deleted (ORGANIZATION_NOT_FOUND)',
    type: ErrorBody,
  })
  @ApiConflictResponse({ description: CONFLICT_CREATE, type: ErrorBody })
  async createBoOrganizationRole(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('organizationId') organizationId: number,
    @Body() body: CreateRoleDto,
  ): Promise<RoleResponseDto> {
    return { data: await this.roles.create({ auth, requestId }, 'backoffice', organizationId, body) };
  }

  @Patch(':roleKey')
  @Backoffice()
  @ApiOperation({ summary: "Change an organization's custom role", description: 'Audited (`role.updated`). ' + WHAT })
  @ApiPathId('organizationId', ORGANIZATION_ID)
  @ApiPathRoleKey()
  @ApiBody({ type: UpdateRoleDto, examples: UPDATE_EXAMPLES })
  @ApiOkResponse({ description: 'The role as it now is', type: RoleResponseDto, example: { data: ROLE_EXAMPLE } })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  @ApiNotFoundResponse({
    description: 'No such organization (ORGANIZATION_NOT_FOUND) or custom role (ROLE_NOT_FOUND)',
    type: ErrorBody,
  })
  @ApiConflictResponse({ description: BUILT_IN, type: ErrorBody })
  async updateBoOrganizationRole(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('organizationId') organizationId: number,
    @PathRoleKey() roleKey: string,
    @Body() body: UpdateRoleDto,
  ): Promise<RoleResponseDto> {
    return { data: await this.roles.update({ auth, requestId }, 'backoffice', organizationId, roleKey, body) };
  }

  @Delete(':roleKey')
  @Backoffice()
  @ApiOperation({
    summary: "Delete an organization's custom role",
    description: 'A soft delete: memberships made from it keep their grant and key. Audited (`role.deleted`).',
  })
  @ApiPathId('organizationId', ORGANIZATION_ID)
  @ApiPathRoleKey()
  @ApiOkResponse({ description: 'The role as it was', type: RoleResponseDto, example: { data: ROLE_EXAMPLE } })
  @ApiBadRequestResponse({ description: BAD_BODY, type: ErrorBody })
  @ApiNotFoundResponse({
    description: 'No such organization (ORGANIZATION_NOT_FOUND) or custom role (ROLE_NOT_FOUND)',
    type: ErrorBody,
  })
  @ApiConflictResponse({ description: BUILT_IN, type: ErrorBody })
  async deleteBoOrganizationRole(
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @PathId('organizationId') organizationId: number,
    @PathRoleKey() roleKey: string,
  ): Promise<RoleResponseDto> {
    return { data: await this.roles.remove({ auth, requestId }, 'backoffice', organizationId, roleKey) };
  }
}
