import { Inject, Injectable, type CanActivate, type ExecutionContext, type HttpException } from '@nestjs/common';
import type { Request } from 'express';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { hitAddress } from '../rate-limit/address-limit.js';
import { RATE_LIMIT_STORE } from '../rate-limit/rate-limit.constants.js';
import type { RateLimitStore } from '../rate-limit/rate-limit.store.js';

/**
 * Counts invitation look-ups by token (the preview route and the accept page) per client
 * address: they need no credentials, so the address is the only key, and a bound on it slows
 * anybody trying tokens (RATE_LIMIT_PREVIEW_PER_MINUTE; every request counts, well-formed or
 * not).
 */
@Injectable()
export class PreviewLimiter {
  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts one look-up; returns the 429 to answer instead when the address is over its limit. */
  async hit(req: Request): Promise<HttpException | undefined> {
    const limits = this.config.rateLimit;
    if (!limits.enabled) {
      return undefined;
    }
    return hitAddress(this.store, req, {
      name: 'invitation-preview',
      perMinute: limits.previewPerMinute,
      blockMs: 0,
      what: 'invitation look-ups',
    });
  }
}

/** The preview route's guard: runs before the body is validated, so malformed guesses count too. */
@Injectable()
export class PreviewRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: PreviewLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const refusal = await this.limiter.hit(context.switchToHttp().getRequest<Request>());
    if (refusal) {
      throw refusal;
    }
    return true;
  }
}
