import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import passport from 'passport';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { errorBody } from '../common/error-body.js';
import { AuthFailureLimiter } from '../rate-limit/auth-failure-limiter.js';
import { AuthErrorCode, IS_PUBLIC_KEY, REQUIRES_BACKOFFICE_KEY, SESSION_TOKEN_HEADER } from './auth.constants.js';
import type { AuthContext } from './auth-context.js';
import { BearerStrategy, type BearerIdentity } from './bearer.strategy.js';
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
export class AuthGuard implements CanActivate {
  /** This app's own authenticator: see {@link AuthGuard.authenticateBearer}. */
  private readonly authenticator = new passport.Authenticator();

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionVerifier,
    private readonly bearerStrategy: BearerStrategy,
    private readonly failures: AuthFailureLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) {
      return true;
    }
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    let bearer: BearerIdentity;
    let session: Awaited<ReturnType<SessionVerifier['verify']>>;
    try {
      bearer = await this.authenticateBearer(req, http.getResponse<Response>());
      const header = req.headers[SESSION_TOKEN_HEADER];
      session = await this.sessions.verify(typeof header === 'string' ? header : undefined, bearer.userId);
    } catch (error) {
      // past RATE_LIMIT_AUTH_FAILURES_PER_MINUTE from one address, failures answer 429
      throw (error instanceof UnauthorizedException ? await this.failures.recordFailure(req) : undefined) ?? error;
    }
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

  /**
   * Runs this app's passport-jwt strategy on the request. Not through `@nestjs/passport`'s
   * `AuthGuard(name)`: that looks the strategy up by name in passport's process-wide
   * registry, where the app created last wins, so two apps in one process (the e2e suites
   * do this) verified tokens with each other's keys. Each request gets a fresh object over
   * the strategy, as passport does for registered ones, because passport attaches that
   * request's success/fail actions to it and JWKS key lookups are asynchronous.
   */
  private authenticateBearer(req: Request, res: Response): Promise<BearerIdentity> {
    return new Promise((resolve, reject) => {
      const strategy = Object.create(this.bearerStrategy) as passport.Strategy;
      const middleware = this.authenticator.authenticate(
        strategy,
        { session: false },
        (err: unknown, user: BearerIdentity | false, info: unknown) => {
          try {
            resolve(bearerResult(err, user, info));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      );
      middleware(req, res, (err?: unknown) =>
        reject(err instanceof Error ? err : new Error('Bearer authentication ended without a result')),
      );
    });
  }
}

/** The identity passport-jwt verified, or the 401 to answer. */
function bearerResult(err: unknown, user: BearerIdentity | false, info: unknown): BearerIdentity {
  if (err) {
    throw err instanceof Error && 'getStatus' in err ? err : bearerFailure(err);
  }
  if (!user) {
    throw bearerFailure(info);
  }
  return user;
}
