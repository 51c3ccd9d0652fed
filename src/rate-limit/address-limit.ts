import type { HttpException } from '@nestjs/common';
import type { Request } from 'express';
import { RATE_LIMIT_WINDOW_MS } from './rate-limit.constants.js';
import type { RateLimitStore } from './rate-limit.store.js';
import { tooManyRequests } from './too-many-requests.js';

/** A per-client-address limit: what it counts, how many a minute, how long past it blocks. */
export interface AddressRule {
  name: string;
  perMinute: number;
  /** 0: until the window ends. */
  blockMs: number;
  /** What the 429 says was counted. */
  what: string;
}

/** Counts one request of `req`'s address; the 429 to answer instead when it is over the rule. */
export async function hitAddress(
  store: RateLimitStore,
  req: Request,
  rule: AddressRule,
): Promise<HttpException | undefined> {
  const window = await store.hit(
    `${rule.name}:ip:${req.ip ?? 'unknown'}`,
    RATE_LIMIT_WINDOW_MS,
    rule.perMinute,
    rule.blockMs,
  );
  return window.blockedSeconds > 0 ? tooManyRequests(window.blockedSeconds, rule.what) : undefined;
}
