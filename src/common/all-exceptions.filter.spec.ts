import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { mapDatabaseError } from './all-exceptions.filter.js';

const driver = (code: string, message = 'boom') =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe('mapDatabaseError', () => {
  it.each([
    ['a unique violation', driver('23505'), 409],
    ['a foreign key violation', driver('23503'), 404],
    ['a malformed value', driver('22P02'), 400],
    ['a deadlock', driver('40P01'), 503],
    ['a connection terminated by the server (57P01)', driver('57P01'), 503],
    [
      'PgBouncer unable to reach the server (08P01)',
      Object.assign(new Error('server login has been failing, try again later (server_login_retry)'), {
        code: '08P01',
      }),
      503,
    ],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      503,
    ],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect'), 503],
    ['a query read timeout', new Error('Query read timeout'), 503],
    ['a connection that ended', new Error('Connection terminated unexpectedly'), 503],
    ['a transaction whose connection broke before COMMIT', new QueryRunnerAlreadyReleasedError(), 503],
    ['an entity manager whose connection broke', new QueryRunnerProviderAlreadyReleasedError(), 503],
  ])('maps %s', (_case, error, status) => {
    expect(mapDatabaseError(error)?.status).toBe(status);
  });

  it('leaves other errors alone (a 500)', () => {
    expect(mapDatabaseError(new Error('something else'))).toBeUndefined();
    expect(mapDatabaseError(driver('42P01'))).toBeUndefined();
  });
});
