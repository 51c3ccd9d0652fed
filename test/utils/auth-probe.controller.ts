import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse } from '@nestjs/swagger';
import type { AuthContext } from '../../src/auth/auth-context.js';
import { Authenticated, Backoffice, CurrentAuth } from '../../src/auth/auth.decorators.js';
import { OrganizationAdminPolicy } from '../../src/memberships/organization-admin.policy.js';
import { ErrorBody } from '../../src/common/error-body.js';
import { ParseIdPipe, ParseOptionalIdPipe } from '../../src/common/parse-id.pipe.js';

/**
 * Test-only routes that exercise the global guard and the organization admin policy the way
 * feature routes do (`createTestApp(env, { controllers: [AuthProbeController] })`).
 */
@Controller('probe')
export class AuthProbeController {
  constructor(private readonly policy: OrganizationAdminPolicy) {}

  @Get('me')
  @Authenticated()
  @ApiOkResponse({ description: 'The caller' })
  me(@CurrentAuth() auth: AuthContext): AuthContext {
    return auth;
  }

  @Get('bo')
  @Backoffice()
  @ApiOkResponse({ description: 'The backoffice caller' })
  backoffice(@CurrentAuth() auth: AuthContext): AuthContext {
    return auth;
  }

  /** What an `rs` route does first: the path user is the caller, and an admin of the target organization. */
  @Post('rs/:userId/admin')
  @HttpCode(200)
  @Authenticated()
  @ApiOkResponse({ description: 'The organization the caller administers' })
  @ApiForbiddenResponse({ description: 'Not the caller, or not an admin there', type: ErrorBody })
  async admin(
    @CurrentAuth() auth: AuthContext,
    @Param('userId', ParseIdPipe) userId: number,
    @Query('organizationId', ParseOptionalIdPipe) organizationId: number | undefined,
  ): Promise<{ organizationId: number }> {
    this.policy.assertCaller(auth, userId);
    return { organizationId: await this.policy.resolveAdminOrganization(auth, organizationId) };
  }
}
