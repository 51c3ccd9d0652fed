import { UnauthorizedException } from '@nestjs/common';
import { AuthErrorCode } from './auth.constants.js';
import { checkTimeClaims, unauthorized, userIdClaim } from './token-claims.js';

const NOW = 1_800_000_000;
const limits = { clockToleranceSeconds: 30, maxTokenLifetimeSeconds: 86_400 };
const CODE = AuthErrorCode.BEARER_INVALID;

function refusal(fn: () => void): { status: number; body: unknown } | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthorizedException);
    const e = error as UnauthorizedException;
    return { status: e.getStatus(), body: e.getResponse() };
  }
}

describe('unauthorized', () => {
  it('builds a 401 whose body is { error, code } and nothing else', () => {
    const e = unauthorized('The session has been revoked', AuthErrorCode.SESSION_REVOKED);
    expect(e.getStatus()).toBe(401);
    expect(e.getResponse()).toEqual({ error: 'The session has been revoked', code: 'SESSION_REVOKED' });
  });
});

describe('checkTimeClaims', () => {
  const check =
    (payload: { exp?: unknown; iat?: unknown }, requireIat = false) =>
    () =>
      checkTimeClaims(payload, limits, CODE, { requireIat, now: NOW });

  it('accepts a token with exp within the lifetime and iat now', () => {
    expect(refusal(check({ exp: NOW + 600, iat: NOW }))).toBeUndefined();
  });

  it('accepts exp exactly at the lifetime plus the tolerance', () => {
    expect(refusal(check({ exp: NOW + 86_400 + 30 }))).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['missing', undefined],
    ['a string', String(NOW + 600)],
    ['null', null],
    ['Infinity', Infinity],
    ['NaN', NaN],
  ])('refuses an exp that is %s', (_case, exp) => {
    expect(refusal(check({ exp, iat: NOW }))).toEqual({
      status: 401,
      body: { error: 'The token has no expiry (exp)', code: CODE },
    });
  });

  it('refuses an exp beyond the maximum lifetime plus the tolerance', () => {
    expect(refusal(check({ exp: NOW + 86_400 + 31 }))).toEqual({
      status: 401,
      body: { error: 'The token expires too far in the future', code: CODE },
    });
  });

  it('accepts an iat up to the clock tolerance ahead, refuses one beyond it', () => {
    expect(refusal(check({ exp: NOW + 600, iat: NOW + 30 }))).toBeUndefined();
    expect(refusal(check({ exp: NOW + 600, iat: NOW + 31 }))).toEqual({
      status: 401,
      body: { error: 'The token was issued in the future (iat)', code: CODE },
    });
  });

  it.each<[string, unknown]>([
    ['a string', String(NOW)],
    ['null', null],
    ['Infinity', -Infinity],
  ])('refuses an iat that is %s', (_case, iat) => {
    expect(refusal(check({ exp: NOW + 600, iat }))).toMatchObject({ status: 401, body: { code: CODE } });
  });

  it('lets iat be absent unless required (the session token requires it)', () => {
    expect(refusal(check({ exp: NOW + 600 }))).toBeUndefined();
    expect(refusal(check({ exp: NOW + 600 }, true))).toEqual({
      status: 401,
      body: { error: 'The token has no issue time (iat)', code: CODE },
    });
    expect(refusal(check({ exp: NOW + 600, iat: NOW }, true))).toBeUndefined();
  });

  it('reports the code it is given', () => {
    expect(() => checkTimeClaims({}, limits, AuthErrorCode.SESSION_INVALID, { now: NOW })).toThrow(
      expect.objectContaining({ response: expect.objectContaining({ code: 'SESSION_INVALID' }) }),
    );
  });

  it('uses the current time by default', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(() => checkTimeClaims({ exp: now + 60, iat: now }, limits, CODE)).not.toThrow();
    expect(() => checkTimeClaims({ exp: now + 60, iat: now + 3600 }, limits, CODE)).toThrow(UnauthorizedException);
  });
});

describe('userIdClaim', () => {
  it.each<[unknown, number]>([
    [42, 42],
    [0, 0],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [-7, -7],
    ['42', 42],
    ['9007199254740991', 9007199254740991],
    ['-9007199254740991', -9007199254740991],
  ])('accepts %p as %p', (value, expected) => {
    expect(userIdClaim(value)).toBe(expected);
  });

  it.each<unknown>([
    1.5,
    Number.MAX_SAFE_INTEGER + 1,
    NaN,
    Infinity,
    '1e3',
    '+5',
    ' 7',
    '7 ',
    '5.0',
    '0x10',
    '007',
    '',
    '9007199254740992',
    '１２',
    null,
    undefined,
    true,
    {},
    [5],
  ])('refuses %p', (value) => {
    expect(userIdClaim(value)).toBeUndefined();
  });
});
