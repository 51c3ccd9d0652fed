import { retryDelayWithJitterMs } from './backoff.js';

describe('webhook retry backoff', () => {
  it('doubles from the base, stays within the upper half of each step, and is capped', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([1, 2, 3, 4].map((a) => retryDelayWithJitterMs(a, 5000, 3600000, low))).toEqual([2500, 5000, 10000, 20000]);
    expect([1, 2, 3, 4].map((a) => retryDelayWithJitterMs(a, 5000, 3600000, high))).toEqual([
      5000, 10000, 20000, 40000,
    ]);
    expect(retryDelayWithJitterMs(40, 5000, 3600000, high)).toBeLessThanOrEqual(3600000);
    expect(retryDelayWithJitterMs(40, 5000, 3600000, low)).toBe(1800000);
  });

  it('makes the first retries within a minute with the defaults', () => {
    const total = [1, 2, 3].reduce((sum, a) => sum + retryDelayWithJitterMs(a, 5000, 3600000, () => 0.999999), 0);
    expect(total).toBeLessThanOrEqual(60000);
  });
});
