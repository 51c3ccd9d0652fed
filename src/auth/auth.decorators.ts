import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { ErrorBody } from '../common/error-body.js';
import {
  BEARER_SECURITY_SCHEME,
  IS_PUBLIC_KEY,
  REQUIRES_BACKOFFICE_KEY,
  SESSION_SECURITY_SCHEME,
} from './auth.constants.js';
import type { AuthContext } from './auth-context.js';

/** Health, metrics and docs: no credentials. */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * Both credentials, documented the way they are checked: the global guard enforces them,
 * this decorator makes the route say so in OpenAPI (a route cannot be documented one
 * way and guarded another). One security requirement naming both schemes means "both";
 * two requirements (`ApiBearerAuth()` + `ApiSecurity()`) would mean "either one".
 */
export const Authenticated = () =>
  applyDecorators(
    ApiSecurity({ [BEARER_SECURITY_SCHEME]: [], [SESSION_SECURITY_SCHEME]: [] }),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid, expired or revoked bearer or session token',
      type: ErrorBody,
    }),
  );

/** Both credentials and the backoffice role (`BACKOFFICE_ROLE`). */
export const Backoffice = () =>
  applyDecorators(
    Authenticated(),
    SetMetadata(REQUIRES_BACKOFFICE_KEY, true),
    ApiForbiddenResponse({ description: 'The bearer token lacks the backoffice role', type: ErrorBody }),
  );

/** The caller, as the guard verified it. */
export const CurrentAuth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  const auth = ctx.switchToHttp().getRequest<Request>().auth;
  if (!auth) {
    // Only reachable if a route is both @Public() and asks for the caller: a programming error.
    throw new Error('CurrentAuth used on a route without authentication');
  }
  return auth;
});
