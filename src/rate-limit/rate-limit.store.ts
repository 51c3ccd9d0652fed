import { Logger } from '@nestjs/common';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

export interface WindowState {
  hits: number;
  /** Seconds until the window's count resets. */
  resetSeconds: number;
  /** Seconds the key stays blocked; 0 when it is not. */
  blockedSeconds: number;
}

/** What a reservation from a budget answered. */
export interface Reservation {
  /** false: the budget could not hold `cost` more, and nothing was taken. */
  granted: boolean;
  /** Seconds until the window's count resets. */
  resetSeconds: number;
}

/**
 * Fixed-window counters: `hit` counts every call and blocks once a window's hits pass the
 * limit (failed authentications); `reserve` takes `cost` from a budget only when it fits, so a
 * caller already over its budget consumes nothing more, and `refund` gives it back (a request
 * that was refused after all).
 */
export interface RateLimitStore {
  hit(key: string, windowMs: number, limit: number, blockMs: number): Promise<WindowState>;
  reserve(key: string, windowMs: number, limit: number, cost: number): Promise<Reservation>;
  refund(key: string, cost: number): Promise<void>;
  close(): Promise<void>;
}

/** Per-process counters (no REDIS_URL). */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { hits: number; resetAt: number; blockedUntil: number }>();
  private readonly sweep = setInterval(() => this.evict(), 60_000).unref();

  hit(key: string, windowMs: number, limit: number, blockMs: number): Promise<WindowState> {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || (w.resetAt <= now && w.blockedUntil <= now)) {
      w = { hits: 0, resetAt: now + windowMs, blockedUntil: 0 };
      this.windows.set(key, w);
    } else if (w.resetAt <= now) {
      w.hits = 0;
      w.resetAt = now + windowMs;
    }
    w.hits += 1;
    if (w.blockedUntil <= now && w.hits > limit) {
      w.blockedUntil = now + (blockMs > 0 ? blockMs : w.resetAt - now);
    }
    return Promise.resolve({
      hits: w.hits,
      resetSeconds: Math.ceil((w.resetAt - now) / 1000),
      blockedSeconds: w.blockedUntil > now ? Math.ceil((w.blockedUntil - now) / 1000) : 0,
    });
  }

  reserve(key: string, windowMs: number, limit: number, cost: number): Promise<Reservation> {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { hits: 0, resetAt: now + windowMs, blockedUntil: 0 };
      this.windows.set(key, w);
    }
    const granted = w.hits + cost <= limit;
    if (granted) {
      w.hits += cost;
    }
    return Promise.resolve({ granted, resetSeconds: Math.ceil((w.resetAt - now) / 1000) });
  }

  refund(key: string, cost: number): Promise<void> {
    const w = this.windows.get(key);
    if (w && w.resetAt > Date.now()) {
      w.hits = Math.max(0, w.hits - cost);
    }
    return Promise.resolve();
  }

  private evict(now = Date.now()): void {
    for (const [key, w] of this.windows) {
      if (w.resetAt <= now && w.blockedUntil <= now) {
        this.windows.delete(key);
      }
    }
  }

  close(): Promise<void> {
    clearInterval(this.sweep);
    return Promise.resolve();
  }
}

// The same window and block, atomically in Redis.
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = redis.call('PTTL', KEYS[2])
if blocked <= 0 and hits > tonumber(ARGV[2]) then
  local duration = tonumber(ARGV[3])
  if duration <= 0 then duration = ttl end
  redis.call('SET', KEYS[2], '1', 'PX', duration)
  blocked = duration
end
return {hits, ttl, blocked}
`;

// Takes `cost` from the budget only when it fits.
const RESERVE = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[3])
if hits + cost > tonumber(ARGV[2]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = tonumber(ARGV[1]) end
  return {0, ttl}
end
hits = redis.call('INCRBY', KEYS[1], cost)
if hits == cost then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {1, redis.call('PTTL', KEYS[1])}
`;

const REFUND = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits > 0 then redis.call('SET', KEYS[1], math.max(0, hits - tonumber(ARGV[1])), 'KEEPTTL') end
return 0
`;

/**
 * Counters shared by every instance through Redis (REDIS_URL). If Redis does not answer, the
 * instance counts in memory for that request rather than refusing traffic.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private readonly fallback = new MemoryRateLimitStore();

  constructor(url: string) {
    // Loaded only with REDIS_URL.
    const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    this.redis = new RedisClient(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 1000,
      commandTimeout: 500,
    });
    this.redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
  }

  async hit(key: string, windowMs: number, limit: number, blockMs: number): Promise<WindowState> {
    try {
      const [hits, ttlMs, blockedMs] = (await this.redis.eval(
        HIT,
        2,
        `rl:${key}`,
        `rl:${key}:blocked`,
        windowMs,
        limit,
        blockMs,
      )) as [number, number, number];
      return {
        hits,
        resetSeconds: Math.max(0, Math.ceil(ttlMs / 1000)),
        blockedSeconds: Math.max(0, Math.ceil(blockedMs / 1000)),
      };
    } catch (error) {
      this.logger.warn(`Redis unavailable, counting in memory: ${(error as Error).message}`);
      return this.fallback.hit(key, windowMs, limit, blockMs);
    }
  }

  async reserve(key: string, windowMs: number, limit: number, cost: number): Promise<Reservation> {
    try {
      const [granted, ttlMs] = (await this.redis.eval(RESERVE, 1, `rb:${key}`, windowMs, limit, cost)) as [
        number,
        number,
      ];
      return { granted: granted === 1, resetSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
    } catch (error) {
      this.logger.warn(`Redis unavailable, counting in memory: ${(error as Error).message}`);
      return this.fallback.reserve(key, windowMs, limit, cost);
    }
  }

  async refund(key: string, cost: number): Promise<void> {
    try {
      await this.redis.eval(REFUND, 1, `rb:${key}`, cost);
    } catch (error) {
      this.logger.warn(`Redis unavailable, counting in memory: ${(error as Error).message}`);
      await this.fallback.refund(key, cost);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
