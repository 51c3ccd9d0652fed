import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { AuthContext } from '../../src/auth/auth-context.js';
import { Authenticated, Backoffice, CurrentAuth } from '../../src/auth/auth.decorators.js';
import { OrganizationAdminPolicy } from '../../src/auth/organization-admin.policy.js';
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
  me(@CurrentAuth() auth: AuthContext): AuthContext {
    return auth;
  }

  @Get('bo')
  @Backoffice()
  backoffice(@CurrentAuth() auth: AuthContext): AuthContext {
    return auth;
  }

  /** What an `rs` route does first: the path user is the caller, and an admin of the target organization. */
  @Post('rs/:userId/admin')
  @HttpCode(200)
  @Authenticated()
  async admin(
    @CurrentAuth() auth: AuthContext,
    @Param('userId', ParseIdPipe) userId: number,
    @Query('organizationId', ParseOptionalIdPipe) organizationId: number | undefined,
  ): Promise<{ organizationId: number }> {
    this.policy.assertCaller(auth, userId);
    return { organizationId: await this.policy.resolveAdminOrganization(auth, organizationId) };
  }
}
