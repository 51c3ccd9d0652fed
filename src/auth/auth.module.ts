import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AuthGuard } from './auth.guard.js';
import { BearerStrategy } from './bearer.strategy.js';
import { SessionVerifier } from './session-verifier.service.js';

@Global()
@Module({
  imports: [PassportModule],
  providers: [BearerStrategy, SessionVerifier, { provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
