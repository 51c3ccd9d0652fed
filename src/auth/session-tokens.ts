import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { IsNull, type DataSource } from 'typeorm';
import type { AppConfig } from '../config/config.js';
import { Session } from './session.entity.js';

export interface IssuedTokens {
  sessionId: string;
  bearer: string;
  session: string;
  expiresAt: Date;
}

export interface IssueOptions {
  userId: number;
  backoffice?: boolean;
  organizationId?: number;
  ttlSeconds?: number;
}

/**
 * Creates a `sessions` row and signs both tokens for it, as the product's sign-in would.
 * For development and tests (`npm run token`); only works with HS256 bearer tokens.
 */
export async function issueSessionTokens(
  dataSource: DataSource,
  config: AppConfig,
  options: IssueOptions,
): Promise<IssuedTokens> {
  if (config.auth.jwksUri || !config.auth.bearerSecret) {
    throw new Error(
      'Bearer tokens are verified with a JWKS here (AUTH_JWKS_URI); get them from your identity provider.',
    );
  }
  const ttl = Math.min(options.ttlSeconds ?? config.auth.sessionTtlSeconds, config.auth.maxTokenLifetimeSeconds);
  const sessionId = randomBytes(18).toString('base64url');
  const expiresAt = new Date(Date.now() + ttl * 1000);
  await dataSource.query(`INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)`, [
    sessionId,
    options.userId,
    expiresAt,
  ]);
  const roles = options.backoffice ? [config.auth.backofficeRole] : [];
  const bearer = jwt.sign({ sub: String(options.userId), roles }, config.auth.bearerSecret, {
    algorithm: 'HS256',
    expiresIn: ttl,
    ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
    ...(config.auth.audience ? { audience: config.auth.audience } : {}),
  });
  const session = jwt.sign(
    {
      userId: options.userId,
      sessionId,
      ...(options.organizationId !== undefined ? { organizationId: options.organizationId } : {}),
    },
    config.auth.sessionSecret,
    { algorithm: 'HS256', expiresIn: ttl },
  );
  return { sessionId, bearer, session, expiresAt };
}

/**
 * Revokes a session at once (the guard reads the row on every request); returns false when
 * no unrevoked session has that id. Counted through `affected`: for an UPDATE, TypeORM's
 * `query()` returns `[rows, rowCount]`, whose length is 2 whatever matched.
 */
export async function revokeSession(dataSource: DataSource, sessionId: string): Promise<boolean> {
  const result = await dataSource
    .getRepository(Session)
    .update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  return (result.affected ?? 0) > 0;
}
