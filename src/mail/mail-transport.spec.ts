import { describeFailure, isPermanentFailure } from './mail-transport.js';

describe('isPermanentFailure', () => {
  const smtpError = (responseCode: number, code = 'EENVELOPE') =>
    Object.assign(new Error(`${responseCode} nope`), { responseCode, code });

  it('gives up on 5xx answers about the message or recipient', () => {
    expect(isPermanentFailure(smtpError(550))).toBe(true);
    expect(isPermanentFailure(smtpError(554, 'EMESSAGE'))).toBe(true);
  });

  it('retries 4xx answers, authentication failures and network errors', () => {
    expect(isPermanentFailure(smtpError(451))).toBe(false);
    expect(isPermanentFailure(smtpError(535, 'EAUTH'))).toBe(false);
    expect(isPermanentFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' }))).toBe(false);
    expect(isPermanentFailure(undefined)).toBe(false);
  });
});

describe('describeFailure', () => {
  it('keeps one short line', () => {
    expect(describeFailure(new Error('a\n  b\tc'))).toBe('a b c');
    expect(describeFailure(new Error('x'.repeat(2000)))).toHaveLength(500);
    expect(describeFailure('plain')).toBe('plain');
  });
});
