import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { parseId } from '../common/parse-id.pipe.js';
import { RATE_LIMIT_STORE, RATE_LIMIT_WINDOW_MS } from './rate-limit.constants.js';
import type { RateLimitStore } from './rate-limit.store.js';
import { tooManyRequests } from './too-many-requests.js';

/** The organization a write aims at, as far as the request says before the handler runs. */
function organizationOf(req: Request): number | undefined {
  const body = req.body as { organizationId?: unknown } | undefined;
  return (
    parseId(req.query.organizationId) ??
    parseId(req.params.organizationId) ??
    parseId(body?.organizationId) ??
    req.auth?.organizationId
  );
}

/**
 * Per caller and per target organization, per route, in fixed one-minute windows
 * (RATE_LIMIT_CALLER_PER_MINUTE, RATE_LIMIT_ORGANIZATION_PER_MINUTE). A route guard, so it runs
 * after the global auth guard and keys on the verified caller.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limits = this.config.rateLimit;
    const req = context.switchToHttp().getRequest<Request>();
    if (!limits.enabled || !req.auth) {
      return true;
    }
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    const organizationId = organizationOf(req);
    const windows = await Promise.all([
      this.store.hit(`${route}:user:${req.auth.userId}`, RATE_LIMIT_WINDOW_MS, limits.callerPerMinute, 0),
      organizationId === undefined
        ? undefined
        : this.store.hit(`${route}:org:${organizationId}`, RATE_LIMIT_WINDOW_MS, limits.organizationPerMinute, 0),
    ]);
    const blocked = windows.filter((w) => w !== undefined && w.blockedSeconds > 0);
    if (blocked.length > 0) {
      throw tooManyRequests(Math.max(...blocked.map((w) => w!.blockedSeconds)));
    }
    return true;
  }
}
