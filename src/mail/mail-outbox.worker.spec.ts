import { retryDelayMs } from './mail-outbox.worker.js';

describe('retryDelayMs', () => {
  it('doubles from the base after each attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, 30_000, 3_600_000))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000,
    ]);
    expect(retryDelayMs(8, 30_000, 3_600_000)).toBe(3_600_000);
    expect(retryDelayMs(1000, 30_000, 3_600_000)).toBe(3_600_000);
  });
});
