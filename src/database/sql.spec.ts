import { jest } from '@jest/globals';
import { QueryFailedError } from 'typeorm';
import { isBrokenConnection } from './pg-error.js';
import { retryRead } from './sql.js';

const driver = (code: string, message = 'terminating connection due to administrator command') =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe('isBrokenConnection', () => {
  it.each([
    ['57P01 (terminated by the server)', driver('57P01')],
    ['08006 (connection failure)', driver('08006')],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['an ended connection', new Error('Connection terminated unexpectedly')],
  ])('says yes to %s', (_case, error) => {
    expect(isBrokenConnection(error)).toBe(true);
  });

  it.each([
    [
      'a refused connection (the database is down)',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['a connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a query timeout', new Error('Query read timeout')],
    ['a statement timeout', driver('57014', 'canceling statement due to statement timeout')],
    ['a unique violation', driver('23505', 'duplicate key')],
    ['anything else', new Error('boom')],
  ])('says no to %s', (_case, error) => {
    expect(isBrokenConnection(error)).toBe(false);
  });
});

describe('retryRead', () => {
  it('runs the read again when its connection broke', async () => {
    const read = jest.fn<() => Promise<string>>().mockRejectedValueOnce(driver('57P01')).mockResolvedValueOnce('rows');
    await expect(retryRead(read)).resolves.toBe('rows');
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('runs it a third time when the retry drew another broken connection', async () => {
    const read = jest
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(driver('57P01'))
      .mockRejectedValueOnce(driver('57P01'))
      .mockResolvedValueOnce('rows');
    await expect(retryRead(read)).resolves.toBe('rows');
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('gives up after the third failure', async () => {
    const read = jest.fn<() => Promise<string>>().mockRejectedValue(driver('57P01'));
    await expect(retryRead(read)).rejects.toBeInstanceOf(QueryFailedError);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('does not retry other failures', async () => {
    const read = jest.fn<() => Promise<string>>().mockRejectedValue(new Error('Query read timeout'));
    await expect(retryRead(read)).rejects.toThrow('Query read timeout');
    expect(read).toHaveBeenCalledTimes(1);
  });
});
