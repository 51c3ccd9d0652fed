import { ForbiddenException, Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { errorBody } from '../common/error-body.js';
import {
  AuthErrorCode,
  BEARER_STRATEGY,
  IS_PUBLIC_KEY,
  REQUIRES_BACKOFFICE_KEY,
  SESSION_TOKEN_HEADER,
} from './auth.constants.js';
import type { AuthContext } from './auth-context.js';
import type { BearerIdentity } from './bearer.strategy.js';
import { SessionVerifier } from './session-verifier.service.js';
import { unauthorized } from './token-claims.js';

/** passport-jwt reports failures as `info`; turn them into our 401 codes. */
function bearerFailure(info: unknown): Error {
  const name = (info as { name?: string } | undefined)?.name;
  const message = (info as { message?: string } | undefined)?.message ?? '';
  if (name === 'TokenExpiredError') {
    return unauthorized('The bearer token has expired', AuthErrorCode.BEARER_EXPIRED);
  }
  if (message === 'No auth token') {
    return unauthorized('The Authorization bearer token is missing', AuthErrorCode.BEARER_MISSING);
  }
  if (message === 'jwt malformed') {
    return unauthorized('The bearer token is malformed', AuthErrorCode.BEARER_MALFORMED);
  }
  return unauthorized('The bearer token is invalid', AuthErrorCode.BEARER_INVALID);
}

/**
 * The one guard of the service, registered globally: every route needs both credentials
 * unless marked `@Public()`; `@Backoffice()` routes also need the backoffice role.
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard(BEARER_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) {
      return true;
    }
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request & { user?: BearerIdentity }>();
    const bearer = req.user!;
    const header = req.headers[SESSION_TOKEN_HEADER];
    const session = await this.sessions.verify(typeof header === 'string' ? header : undefined, bearer.userId);
    const auth: AuthContext = {
      userId: bearer.userId,
      sessionId: session.sessionId,
      roles: bearer.roles,
      organizationId: session.organizationId,
      isBackoffice: bearer.roles.includes(this.config.auth.backofficeRole),
    };
    req.auth = auth;
    if (this.reflector.getAllAndOverride<boolean>(REQUIRES_BACKOFFICE_KEY, targets) && !auth.isBackoffice) {
      throw new ForbiddenException(
        errorBody('This route needs the backoffice role', AuthErrorCode.BACKOFFICE_ROLE_REQUIRED),
      );
    }
    return true;
  }

  override handleRequest<TUser = BearerIdentity>(err: unknown, user: TUser | false, info: unknown): TUser {
    if (err) {
      throw err instanceof Error && 'getStatus' in err ? err : bearerFailure(err);
    }
    if (!user) {
      throw bearerFailure(info);
    }
    return user;
  }
}
