/**
 * Exponential backoff with jitter: about `baseMs` after the first failed attempt, doubling
 * after each, capped at `maxMs`; each delay drawn uniformly from its upper half, so receivers
 * coming back from an outage are not hit by every sender in the same instant.
 */
export function retryDelayWithJitterMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
