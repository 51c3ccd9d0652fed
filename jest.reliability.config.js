// The reliability suite (`npm run test:reliability`): hostile input, races, faults and
// several instances, against real PostgreSQL servers and the built service (`npm run build`
// first). It runs in band: its specs measure latencies and start processes and database
// clusters, so they must not compete with each other for the machine's two cores.
import base from './jest.config.js';

process.env.RELIABILITY_RUN = '1';

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: 'test/reliability/.*\\.rel-spec\\.ts$',
  testTimeout: 120000,
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/test/reliability/figures-reporter.js'],
};
