import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Sql } from '../database/sql.js';
import { AuthErrorCode } from './auth.constants.js';
import { SESSION_STATEMENT } from './session-statement.js';
import { checkTimeClaims, unauthorized, userIdClaim } from './token-claims.js';

export interface VerifiedSession {
  sessionId: string;
  organizationId?: number;
}

interface SessionRow {
  user_id: number;
  expired: boolean;
  revoked: boolean;
  user_deleted: boolean;
}

/**
 * `x-session-token`: HS256 with its own secret, claims `userId` and
 * `sessionId`, and a live `sessions` row of that user. Rows are read on every request, so a
 * revocation takes effect at once.
 */
@Injectable()
export class SessionVerifier {
  /** Made once (see BearerStrategy: jsonwebtoken would make one per verify from the string). */
  private readonly key: KeyObject;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sql: Sql,
  ) {
    this.key = createSecretKey(Buffer.from(config.auth.sessionSecret));
  }

  async verify(token: string | undefined, bearerUserId: number): Promise<VerifiedSession> {
    if (token === undefined || token === '') {
      throw unauthorized('The x-session-token header is missing', AuthErrorCode.SESSION_MISSING);
    }
    const payload = this.decode(token);
    checkTimeClaims(payload, this.config.auth, AuthErrorCode.SESSION_INVALID, { requireIat: true });
    const userId = userIdClaim(payload.userId);
    const sessionId = payload.sessionId;
    if (userId === undefined || typeof sessionId !== 'string' || sessionId === '' || sessionId.length > 128) {
      throw unauthorized('The session token lacks a valid userId or sessionId', AuthErrorCode.SESSION_INVALID);
    }
    let organizationId: number | undefined;
    if (payload.organizationId !== undefined && payload.organizationId !== null) {
      organizationId = userIdClaim(payload.organizationId);
      if (organizationId === undefined) {
        throw unauthorized('The session token has an invalid organizationId', AuthErrorCode.SESSION_INVALID);
      }
    }
    if (userId !== bearerUserId) {
      throw unauthorized('The session belongs to another user than the bearer token', AuthErrorCode.SESSION_MISMATCH);
    }
    // One query whether or not the row exists, so the answer's timing does not tell; retried
    // once if its pooled connection broke under it (a restart or failover).
    const rows = await this.sql.read<SessionRow>(SESSION_STATEMENT, [sessionId]);
    const row = rows[0];
    // a soft-deleted user is refused like an unknown session: nothing tells it apart
    if (!row || Number(row.user_id) !== userId || row.user_deleted) {
      throw unauthorized('The session does not exist', AuthErrorCode.SESSION_UNKNOWN);
    }
    if (row.revoked) {
      throw unauthorized('The session has been revoked', AuthErrorCode.SESSION_REVOKED);
    }
    if (row.expired) {
      throw unauthorized('The session has expired', AuthErrorCode.SESSION_EXPIRED);
    }
    return { sessionId, organizationId };
  }

  private decode(token: string): Record<string, unknown> {
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        clockTolerance: this.config.auth.clockToleranceSeconds,
      });
      if (typeof payload !== 'object' || payload === null) {
        throw unauthorized('The session token is malformed', AuthErrorCode.SESSION_MALFORMED);
      }
      return payload;
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) {
        throw unauthorized('The session token has expired', AuthErrorCode.SESSION_EXPIRED);
      }
      if (error instanceof jwt.JsonWebTokenError && error.message === 'jwt malformed') {
        throw unauthorized('The session token is malformed', AuthErrorCode.SESSION_MALFORMED);
      }
      if (error instanceof jwt.JsonWebTokenError || error instanceof jwt.NotBeforeError) {
        throw unauthorized('The session token is invalid', AuthErrorCode.SESSION_INVALID);
      }
      if (error instanceof UnauthorizedException) {
        throw error;
      }
      // jsonwebtoken lets JSON.parse's SyntaxError through for a segment that decodes to
      // broken JSON (e.g. `header.0.signature`): still the client's malformed token, not a 500.
      throw unauthorized('The session token is malformed', AuthErrorCode.SESSION_MALFORMED);
    }
  }
}
