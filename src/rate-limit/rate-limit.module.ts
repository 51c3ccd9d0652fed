import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { RATE_LIMIT_STORE } from './rate-limit.constants.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit.store.js';

/**
 * Rate limits. Written here rather than with @nestjs/throttler: that package is CommonJS and
 * require()s the ESM-only Nest 12, which Jest cannot load on Node 20, so it could not be tested.
 */
@Global()
@Module({
  imports: [MembershipsModule],
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RateLimitStore =>
        config.rateLimit.redisUrl ? new RedisRateLimitStore(config.rateLimit.redisUrl) : new MemoryRateLimitStore(),
    },
    RateLimitGuard,
    AuthFailureLimiter,
  ],
  exports: [RateLimitGuard, AuthFailureLimiter, RATE_LIMIT_STORE],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
