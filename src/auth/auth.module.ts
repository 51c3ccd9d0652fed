import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AuthGuard } from './auth.guard.js';
import { BearerStrategy } from './bearer.strategy.js';
import { OrganizationAdminPolicy } from './organization-admin.policy.js';
import { SessionVerifier } from './session-verifier.service.js';

@Global()
@Module({
  imports: [PassportModule],
  providers: [BearerStrategy, SessionVerifier, OrganizationAdminPolicy, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [OrganizationAdminPolicy],
})
export class AuthModule {}
