import { UnauthorizedException } from '@nestjs/common';
import { errorBody } from '../common/error-body.js';
import { parseId } from '../common/parse-id.pipe.js';
import { AuthErrorCode } from './auth.constants.js';

export function unauthorized(message: string, code: AuthErrorCode): UnauthorizedException {
  return new UnauthorizedException(errorBody(message, code));
}

export interface TimeClaimOptions {
  /** The session token must carry `iat`; the bearer token need not. */
  requireIat?: boolean;
  /** Seconds since the epoch (tests). */
  now?: number;
}

/**
 * jsonwebtoken accepts a token without `exp`, with an `iat` in the future or a far-off
 * `exp`; these checks close that for both tokens. Run after the
 * signature and `exp`/`nbf` were verified.
 */
export function checkTimeClaims(
  payload: { exp?: unknown; iat?: unknown },
  limits: { clockToleranceSeconds: number; maxTokenLifetimeSeconds: number },
  invalidCode: AuthErrorCode,
  { requireIat = false, now = Math.floor(Date.now() / 1000) }: TimeClaimOptions = {},
): void {
  const { clockToleranceSeconds, maxTokenLifetimeSeconds } = limits;
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
    throw unauthorized('The token has no expiry (exp)', invalidCode);
  }
  if (payload.exp - now > maxTokenLifetimeSeconds + clockToleranceSeconds) {
    throw unauthorized('The token expires too far in the future', invalidCode);
  }
  if (payload.iat === undefined) {
    if (requireIat) {
      throw unauthorized('The token has no issue time (iat)', invalidCode);
    }
    return;
  }
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) {
    throw unauthorized('The token has an invalid issue time (iat)', invalidCode);
  }
  if (payload.iat > now + clockToleranceSeconds) {
    throw unauthorized('The token was issued in the future (iat)', invalidCode);
  }
}

/** A user id claim: a safe integer as a number, or its decimal string. */
export function userIdClaim(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? value : undefined;
  }
  return parseId(value);
}
