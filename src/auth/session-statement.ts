import type { Statement } from '../database/statement.js';

/**
 * The `sessions` row of a session token, read on every authenticated request (never cached:
 * a revocation takes effect at once). One query whether or not the row exists, so the
 * answer's timing does not tell.
 */
export const SESSION_STATEMENT: Statement = {
  name: 'auth_session_v1',
  text: `SELECT user_id, expires_at <= now() AS expired, revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = $1`,
  parameters: ['sessionId'],
};
