import { Inject, Injectable, type HttpException } from '@nestjs/common';
import type { Request } from 'express';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { hitAddress } from './address-limit.js';
import { RATE_LIMIT_STORE } from './rate-limit.constants.js';
import type { RateLimitStore } from './rate-limit.store.js';

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
    return hitAddress(this.store, req, {
      name: 'auth-failure',
      perMinute: limits.authFailuresPerMinute,
      blockMs: limits.authFailureBlockSeconds * 1000,
      what: 'failed authentications',
    });
  }
}
