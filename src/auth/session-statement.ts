import type { Statement } from '../database/sql.js';

/**
 * The `sessions` row of a session token, read on every authenticated request (never cached:
 * a revocation takes effect at once), with whether its user is still live: a soft-deleted
 * user has no access on any route. One query whether or not the row exists, so the answer's
 * timing does not tell.
 */
export const SESSION_STATEMENT: Statement = {
  name: 'auth_session',
  text: `SELECT s.user_id, s.expires_at <= now() AS expired, s.revoked_at IS NOT NULL AS revoked,
                u.deleted_at IS NOT NULL AS user_deleted
           FROM sessions s
           JOIN users u ON u.id = s.user_id
          WHERE s.id = $1`,
  parameters: ['sessionId'],
};
