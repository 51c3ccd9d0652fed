import { Inject, Injectable, type HttpException } from '@nestjs/common';
import type { Request } from 'express';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RATE_LIMIT_STORE, RATE_LIMIT_WINDOW_MS } from './rate-limit.constants.js';
import type { RateLimitStore } from './rate-limit.store.js';
import { tooManyRequests } from './too-many-requests.js';

/**
 * Counts failed authentications per client IP; past the limit that IP's failures answer 429
 * (with Retry-After) instead of 401 for RATE_LIMIT_AUTH_BLOCK_SECONDS, which slows guessing.
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Records one failure; returns the 429 to throw instead when the IP is over its limit. */
  async recordFailure(req: Request): Promise<HttpException | undefined> {
    const limits = this.config.rateLimit;
    if (!limits.enabled) {
      return undefined;
    }
    const window = await this.store.hit(
      `auth-failure:ip:${req.ip ?? 'unknown'}`,
      RATE_LIMIT_WINDOW_MS,
      limits.authFailuresPerMinute,
      limits.authFailureBlockSeconds * 1000,
    );
    return window.blockedSeconds > 0 ? tooManyRequests(window.blockedSeconds, 'failed authentications') : undefined;
  }
}
