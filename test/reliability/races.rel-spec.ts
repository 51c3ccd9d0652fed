import { recordFigure } from './utils/figures.js';
import { TRIALS, repeat, summary, type RaceContext } from './utils/race-trials.js';
import { inProcessApp, type InProcessApp } from './utils/world.js';

/**
 * Races of identical writes on one instance: 100 at once, several times over, exactly
 * one winner every time. The same trials run across two processes in instances.rel-spec.ts.
 */
const CONCURRENCY = 100;
const TIMES = 5;

describe('races on one instance', () => {
  let app: InProcessApp;
  let ctx: RaceContext;

  beforeAll(async () => {
    // a pool as large as the burst, so the requests really meet in the database
    app = await inProcessApp({ DB_POOL_MAX: '20' });
    ctx = { urls: [app.url], ds: app.t.dataSource, config: app.t.config, concurrency: CONCURRENCY };
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each(TRIALS)('%s: exactly one winner in every trial', async (name, trial) => {
    const results = await repeat(ctx, trial, TIMES);
    recordFigure('Races', `${name} (one instance)`, summary(results, CONCURRENCY));
    expect(results.map((r) => r.winners)).toEqual(Array(TIMES).fill(1));
    expect(results.filter((r) => !r.consistent).map((r) => r.detail)).toEqual([]);
  });
});
