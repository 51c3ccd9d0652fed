import { randomBytes } from 'node:crypto';
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit.store.js';

const stores: [string, () => RateLimitStore][] = [['memory', () => new MemoryRateLimitStore()]];
// The Redis store runs against a real Redis when the suite is given one (.ci/run does).
if (process.env.TEST_REDIS_URL) {
  stores.push(['redis', () => new RedisRateLimitStore(process.env.TEST_REDIS_URL!)]);
}

describe.each(stores)('%s rate-limit store', (_name, create) => {
  let store: RateLimitStore;
  const key = () => `test:${randomBytes(6).toString('hex')}`;

  beforeEach(() => {
    store = create();
  });
  afterEach(async () => {
    await store.close();
  });

  it('counts hits in a window and blocks past the limit until the window ends', async () => {
    const k = key();
    const states = [];
    for (let i = 0; i < 4; i++) {
      states.push(await store.hit(k, 60_000, 3, 0));
    }
    expect(states.map((s) => s.hits)).toEqual([1, 2, 3, 4]);
    expect(states.map((s) => s.blockedSeconds > 0)).toEqual([false, false, false, true]);
    expect(states[3].blockedSeconds).toBeLessThanOrEqual(60);
  });

  it('blocks for the block duration when one is given', async () => {
    const k = key();
    await store.hit(k, 1000, 1, 120_000);
    const blocked = await store.hit(k, 1000, 1, 120_000);
    expect(blocked.blockedSeconds).toBeGreaterThan(100);
  });

  it('starts a new count after the window', async () => {
    const k = key();
    await store.hit(k, 50, 1, 0);
    await store.hit(k, 50, 1, 0);
    await new Promise((r) => setTimeout(r, 120));
    const fresh = await store.hit(k, 50, 1, 0);
    expect(fresh).toMatchObject({ hits: 1, blockedSeconds: 0 });
  });

  it('keeps separate keys apart', async () => {
    const [a, b] = [key(), key()];
    await store.hit(a, 60_000, 1, 0);
    await store.hit(a, 60_000, 1, 0);
    expect((await store.hit(b, 60_000, 1, 0)).blockedSeconds).toBe(0);
  });

  it('takes from a budget only what fits: a caller over its budget consumes nothing more', async () => {
    const k = key();
    const grants = [];
    for (const cost of [2, 1, 1, 1]) {
      grants.push((await store.reserve(k, 60_000, 3, cost)).granted);
    }
    expect(grants).toEqual([true, true, false, false]);
    // the refused reservations took nothing: one more unit still fits after a refund of one
    await store.refund(k, 1);
    expect((await store.reserve(k, 60_000, 3, 1)).granted).toBe(true);
    expect((await store.reserve(k, 60_000, 3, 1)).granted).toBe(false);
  });

  it('refuses a reservation larger than the whole budget and says when the window resets', async () => {
    const refused = await store.reserve(key(), 60_000, 3, 4);
    expect(refused.granted).toBe(false);
    expect(refused.resetSeconds).toBeGreaterThan(0);
    expect(refused.resetSeconds).toBeLessThanOrEqual(60);
  });
});
