import { createSecretKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AuthErrorCode, BEARER_STRATEGY } from './auth.constants.js';
import { checkTimeClaims, unauthorized, userIdClaim } from './token-claims.js';

export interface BearerIdentity {
  userId: number;
  roles: string[];
}

/** Algorithms are pinned per mode: never `none`, never HS with a public key. */
export const HMAC_ALGORITHMS = ['HS256'] as const;
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

/**
 * The token of an `Authorization: Bearer <token>` header, or null without one (passport-jwt's
 * `jwtFromRequest` option). Everything after the scheme is the token: passport-jwt's own
 * `fromAuthHeaderAsBearerToken()` takes the first word and ignores the rest, so
 * `Bearer <valid token> anything` would pass; here the extra word makes an invalid token.
 */
export function bearerTokenFrom(req: { headers: { authorization?: unknown } }): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') {
    return null;
  }
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') {
    return null;
  }
  const token = header.slice(space + 1).trim();
  return token === '' ? null : token;
}

function strategyOptions(config: AppConfig): StrategyOptionsWithoutRequest {
  const { auth } = config;
  const common = {
    jwtFromRequest: bearerTokenFrom,
    ignoreExpiration: false,
    issuer: auth.issuer,
    audience: auth.audience,
    jsonWebTokenOptions: { clockTolerance: auth.clockToleranceSeconds },
  };
  if (auth.jwksUri) {
    // Loaded only in JWKS mode: jwks-rsa and jose are ~100 modules, a tenth of a cold start.
    const { passportJwtSecret } = createRequire(import.meta.url)('jwks-rsa') as typeof import('jwks-rsa');
    return {
      ...common,
      algorithms: [...JWKS_ALGORITHMS],
      // Keys come only from the configured JWKS (by kid, refetched on an unknown kid,
      // rate-limited); jku/x5u/jwk headers in a token are never followed.
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: auth.jwksUri,
        cache: true,
        cacheMaxAge: 10 * 60 * 1000,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
        timeout: 2000,
      }),
    };
  }
  // A key object made once: given a string, jsonwebtoken makes one on every verify, after first
  // trying the string as a public key (createPublicKey throws), which cost a quarter of the CPU
  // of an invite. jsonwebtoken documents KeyObject secrets and passport-jwt hands the key to it
  // as it is; passport-jwt's types only say string | Buffer.
  const secretOrKey = createSecretKey(Buffer.from(auth.bearerSecret!)) as unknown as string;
  return { ...common, algorithms: [...HMAC_ALGORITHMS], secretOrKey };
}

/**
 * `Authorization: Bearer <JWT>`: HS256 with AUTH_JWT_SECRET, or RS256/ES256 from AUTH_JWKS_URI. Run by `AuthGuard` directly, never looked
 * up by name (see `AuthGuard.authenticateBearer`).
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super(strategyOptions(config));
  }

  /**
   * Where `PassportStrategy` registers the strategy under its name: a private authenticator,
   * so that an app created later in the same process does not replace this one in passport's
   * global registry (nor this one a later app's).
   */
  getPassportInstance(): passport.Authenticator {
    return new passport.Authenticator();
  }

  validate(payload: Record<string, unknown>): BearerIdentity {
    checkTimeClaims(payload, this.config.auth, AuthErrorCode.BEARER_INVALID);
    const userId = typeof payload.sub === 'string' ? userIdClaim(payload.sub) : undefined;
    if (userId === undefined) {
      throw unauthorized('The bearer token has no valid subject (sub)', AuthErrorCode.BEARER_INVALID);
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { userId, roles };
  }
}
