// The topology suite (`npm run test:topology`): HAProxy, three instances of the build
// (`npm run build` first), PgBouncer in transaction pooling mode in front of a PostgreSQL
// cluster of its own, and Redis, as deploy/ starts them (docs/topology.md). One spec, its
// phases in order on the same processes.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ['<rootDir>/test'],
  testRegex: 'test/topology/.*\\.topo-spec\\.ts$',
  testTimeout: 120000,
  maxWorkers: 1,
};
