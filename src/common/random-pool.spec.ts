import { describe, expect, it } from '@jest/globals';
import { randomBytesPooled } from './random-pool.js';

describe('randomBytesPooled', () => {
  it('returns the size asked for, never the same bytes twice, across refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytesPooled(12 + (i % 21));
      expect(bytes).toHaveLength(12 + (i % 21));
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });

  it('hands out copies: changing one does not change the next', () => {
    const a = randomBytesPooled(16);
    a.fill(0);
    expect(randomBytesPooled(16).equals(Buffer.alloc(16))).toBe(false);
  });

  it('serves large sizes directly', () => {
    expect(randomBytesPooled(8192)).toHaveLength(8192);
  });
});
