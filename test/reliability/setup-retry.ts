import { jest } from '@jest/globals';

// The fault and multi-instance scenarios time real processes, sockets and database clusters on
// a shared two-core machine: a scenario that fails is run once more, and the first failure is
// printed (logErrorsBeforeRetry), so a flake stays visible while a real regression still fails.
jest.retryTimes(1, { logErrorsBeforeRetry: true });
