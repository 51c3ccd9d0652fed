import { jest } from '@jest/globals';
import { UnauthorizedException } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/config.js';
import type { Sql, Statement } from '../database/sql.js';
import { SessionVerifier } from './session-verifier.service.js';

const config = loadConfig({ NODE_ENV: 'test' });
const now = () => Math.floor(Date.now() / 1000);

interface Row {
  user_id: string;
  expired: boolean;
  revoked: boolean;
  user_deleted?: boolean;
}

function verifierWith(rows: Row[]) {
  const query = jest.fn<(statement: Statement, params: unknown[]) => Promise<Row[]>>().mockResolvedValue(rows);
  const verifier = new SessionVerifier(config, { read: query } as unknown as Sql);
  return { verifier, query };
}

const token = (claims: Record<string, unknown>, secret = config.auth.sessionSecret) =>
  jwt.sign({ iat: now(), exp: now() + 600, ...claims }, secret, { algorithm: 'HS256' });

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthorizedException);
    return (error as UnauthorizedException).getResponse();
  }
  throw new Error('expected a 401');
}

describe('SessionVerifier', () => {
  it('returns the session id and organization of a live session of the bearer user', async () => {
    const { verifier, query } = verifierWith([{ user_id: '7', expired: false, revoked: false }]);
    await expect(verifier.verify(token({ userId: 7, sessionId: 's1', organizationId: '3' }), 7)).resolves.toEqual({
      sessionId: 's1',
      organizationId: 3,
    });
    expect(query).toHaveBeenCalledTimes(1);
    expect(query.mock.calls[0][1]).toEqual(['s1']);
  });

  it('reads the row with the same single query whether or not it exists', async () => {
    const known = verifierWith([{ user_id: '7', expired: false, revoked: false }]);
    const unknown = verifierWith([]);
    await known.verifier.verify(token({ userId: 7, sessionId: 'known' }), 7);
    expect(await refusal(unknown.verifier.verify(token({ userId: 7, sessionId: 'unknown' }), 7))).toEqual({
      error: 'The session does not exist',
      code: 'SESSION_UNKNOWN',
    });
    expect(known.query).toHaveBeenCalledTimes(1);
    expect(unknown.query).toHaveBeenCalledTimes(1);
    expect(unknown.query.mock.calls[0][0]).toBe(known.query.mock.calls[0][0]);
  });

  it("answers another user's row exactly as a missing one", async () => {
    const { verifier } = verifierWith([{ user_id: '8', expired: false, revoked: false }]);
    expect(await refusal(verifier.verify(token({ userId: 7, sessionId: 's1' }), 7))).toEqual({
      error: 'The session does not exist',
      code: 'SESSION_UNKNOWN',
    });
  });

  it('refuses revoked, then expired rows', async () => {
    expect(
      await refusal(
        verifierWith([{ user_id: '7', expired: true, revoked: true }]).verifier.verify(
          token({ userId: 7, sessionId: 's' }),
          7,
        ),
      ),
    ).toMatchObject({ code: 'SESSION_REVOKED' });
    expect(
      await refusal(
        verifierWith([{ user_id: '7', expired: true, revoked: false }]).verifier.verify(
          token({ userId: 7, sessionId: 's' }),
          7,
        ),
      ),
    ).toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it.each<[string, () => string | undefined, string]>([
    ['a missing header', () => undefined, 'SESSION_MISSING'],
    ['an empty header', () => '', 'SESSION_MISSING'],
    ['a token that is not a JWT', () => 'nope', 'SESSION_MALFORMED'],
    // found by the reliability suite: jsonwebtoken throws JSON.parse's SyntaxError for it (was a 500)
    [
      'a payload segment that decodes to broken JSON',
      () => token({ userId: 7, sessionId: 's' }).replace(/\.[^.]+\./, '.0.'),
      'SESSION_MALFORMED',
    ],
    [
      'a token signed with the bearer secret',
      () => token({ userId: 7, sessionId: 's' }, config.auth.bearerSecret),
      'SESSION_INVALID',
    ],
    ['an expired token', () => token({ userId: 7, sessionId: 's', exp: now() - 120 }), 'SESSION_EXPIRED'],
    ['a token of another user', () => token({ userId: 8, sessionId: 's' }), 'SESSION_MISMATCH'],
    ['a token without sessionId', () => token({ userId: 7 }), 'SESSION_INVALID'],
    ['a sessionId over 128 characters', () => token({ userId: 7, sessionId: 'x'.repeat(129) }), 'SESSION_INVALID'],
  ])('refuses %s without touching the database', async (_case, header, code) => {
    const { verifier, query } = verifierWith([{ user_id: '7', expired: false, revoked: false }]);
    expect(await refusal(verifier.verify(header(), 7))).toMatchObject({ code });
    expect(query).not.toHaveBeenCalled();
  });
});
