import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentAuth } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/auth-context.js';
import { ErrorBody } from '../common/error-body.js';
import { ApiPathId, PathId } from '../common/path-id.decorator.js';
import {
  ListMyOrganizationsQueryDto,
  MY_ORGANIZATIONS_EXAMPLE,
  MyOrganizationPageDto,
} from './dto/my-organization.dto.js';
import { MyOrganizationsService } from './my-organizations.service.js';

/** Any user's own organizations (no admin role needed). */
@ApiTags('organizations')
@Controller('users-organizations/v1/rs/na/:userId')
export class MyOrganizationsController {
  constructor(private readonly organizations: MyOrganizationsService) {}

  @Get('organizations')
  @Authenticated()
  @ApiOperation({
    summary: 'List my organizations',
    description:
      "The caller's own live memberships in live organizations, pending invitations included " +
      '(`status: "invited"`), each with the organization\'s id and name, the grant and the role it came from. ' +
      'Oldest first; pages of `limit` (default 50, at most 200); pass `nextCursor` back as `cursor` until it is null.',
  })
  @ApiPathId('userId', 'Unique identifier of the caller (must be the user of the tokens)')
  @ApiOkResponse({
    description: 'One page of memberships',
    type: MyOrganizationPageDto,
    example: MY_ORGANIZATIONS_EXAMPLE,
  })
  @ApiBadRequestResponse({
    description: 'A path id or a query parameter is invalid (INVALID_PATH_PARAMETER, VALIDATION_FAILED)',
    type: ErrorBody,
  })
  @ApiForbiddenResponse({ description: 'The path userId is not the caller (NOT_THE_CALLER)', type: ErrorBody })
  async listOrganizationsUserOrganization(
    @CurrentAuth() auth: AuthContext,
    @PathId('userId') userId: number,
    @Query() query: ListMyOrganizationsQueryDto,
  ): Promise<MyOrganizationPageDto> {
    return this.organizations.list(auth, userId, query);
  }
}
