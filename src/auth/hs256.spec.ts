import { createHmac, createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { bearerToken, verifyHs256, type Hs256Options } from './hs256.js';

const SECRET = 'hs256-spec-secret-0123456789abcdef0123456789';
const key = createSecretKey(Buffer.from(SECRET));
const now = Math.floor(Date.now() / 1000);

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A token from raw parts, signed (or not) as given: for the shapes jsonwebtoken's sign never makes. */
function raw(header: unknown, payload: unknown, secret: string | null = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${secret === null ? '' : createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const signed = (payload: Record<string, unknown>, secret = SECRET) =>
  jwt.sign(payload, secret, { algorithm: 'HS256', noTimestamp: true });

const tokens: [string, unknown][] = [
  ['a valid token', signed({ sub: '7', iat: now, exp: now + 600 })],
  ['a token without exp', signed({ sub: '7' })],
  ['an expired token', signed({ sub: '7', exp: now - 60 })],
  ['a token expired within the tolerance', signed({ sub: '7', exp: now - 10 })],
  ['a token expiring at the edge of the tolerance', signed({ sub: '7', exp: now - 30 })],
  ['a string exp', raw({ alg: 'HS256', typ: 'JWT' }, { sub: '7', exp: String(now + 600) })],
  ['an nbf in the future', signed({ sub: '7', nbf: now + 600 })],
  ['an nbf within the tolerance', signed({ sub: '7', nbf: now + 20 })],
  ['a string nbf', raw({ alg: 'HS256', typ: 'JWT' }, { sub: '7', nbf: 'soon' })],
  ['another secret', signed({ sub: '7', exp: now + 600 }, 'another-secret-0123456789abcdef0123456789')],
  ['HS384', jwt.sign({ sub: '7' }, SECRET, { algorithm: 'HS384' })],
  ['alg none', raw({ alg: 'none', typ: 'JWT' }, { sub: '7' }, null)],
  ['alg none, signed anyway', raw({ alg: 'none' }, { sub: '7' })],
  ['no typ', raw({ alg: 'HS256' }, { sub: '7', exp: now + 600 })],
  ['an array payload', raw({ alg: 'HS256', typ: 'JWT' }, [1, 2])],
  ['a string payload', raw({ alg: 'HS256' }, 'hello')],
  ['a JSON string payload', raw({ alg: 'HS256' }, '"hello"')],
  ['a null payload', raw({ alg: 'HS256' }, 'null')],
  ['a payload that is not JSON, typ JWT', raw({ alg: 'HS256', typ: 'JWT' }, '{not json')],
  ['a header that is not JSON', `${b64('{nope')}.${b64({ sub: '7' })}.sig`],
  ['two parts', 'abc.def'],
  ['four parts', 'a.b.c.d'],
  ['an empty signature', raw({ alg: 'HS256', typ: 'JWT' }, { sub: '7' }, null)],
  ['a padded signature', `${signed({ sub: '7' })}=`],
  [
    'a tampered payload',
    (() => {
      const [h, , s] = signed({ sub: '7' }).split('.');
      return `${h}.${b64({ sub: '8' })}.${s}`;
    })(),
  ],
  ['an empty string', ''],
  ['a number', 42],
  ['undefined', undefined],
];

function jsonwebtoken(token: unknown, options: Hs256Options): unknown {
  try {
    return {
      ok: jwt.verify(token as string, key, {
        algorithms: ['HS256'],
        clockTolerance: options.clockToleranceSeconds,
        issuer: options.issuer,
        audience: options.audience,
      }),
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('verifyHs256', () => {
  const plain: Hs256Options = { key, clockToleranceSeconds: 30 };
  it.each(tokens)('accepts %s only if jsonwebtoken does, with the same payload', (_name, token) => {
    const fast = verifyHs256(token, plain);
    if (fast !== undefined) {
      expect(jsonwebtoken(token, plain)).toEqual({ ok: fast });
    }
  });

  it('accepts the usual valid tokens', () => {
    expect(verifyHs256(tokens[0][1], plain)).toEqual({ sub: '7', exp: now + 600 });
    expect(verifyHs256(jwt.sign({ sub: '7' }, SECRET, { expiresIn: 60 }), plain)).toMatchObject({ sub: '7' });
  });

  describe('with an issuer and an audience', () => {
    const strict: Hs256Options = { ...plain, issuer: 'https://id.example.com', audience: 'memberships' };
    const cases: [string, Record<string, unknown>, boolean][] = [
      ['both right', { iss: 'https://id.example.com', aud: 'memberships' }, true],
      ['the audience among several', { iss: 'https://id.example.com', aud: ['other', 'memberships'] }, true],
      ['another issuer', { iss: 'https://evil.example.com', aud: 'memberships' }, false],
      ['no issuer', { aud: 'memberships' }, false],
      ['another audience', { iss: 'https://id.example.com', aud: 'other' }, false],
      ['no audience', { iss: 'https://id.example.com' }, false],
    ];
    it.each(cases)('%s', (_name, claims, accepted) => {
      const token = signed({ sub: '7', exp: now + 600, ...claims });
      const fast = verifyHs256(token, strict);
      expect(fast !== undefined).toBe(accepted);
      expect('ok' in (jsonwebtoken(token, strict) as object)).toBe(accepted);
    });
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER  abc', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer abc extra', 'abc extra'],
    ['', undefined],
    [undefined, undefined],
  ])('reads %j as the bearer strategy does (everything after the scheme)', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});
