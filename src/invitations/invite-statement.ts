import type { Statement } from '../database/statement.js';
import { membershipColumns } from './invitation.mapper.js';

/** An instant as the audit trail writes it from JavaScript: `Date.prototype.toISOString()`. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The whole invite as one statement, so one round trip and no explicit transaction: a single
 * statement is atomic, and every step below commits or rolls back with it (issue #7; each
 * round trip saved was worth ~8–10 % of throughput, PITFALLS: performance).
 *
 * - `admin`: the caller's active ADMIN membership in a live organization: the one asked for
 *   ($2: the query parameter, else the session's organization), else the caller's only one.
 *   Nothing below happens without exactly one, and the statement returns no row: the service
 *   then asks OrganizationAdminPolicy which 403/400 to answer.
 * - `invitee`: found or created by lower(email), race-safe (ON CONFLICT on the live index).
 * - `expired`: an expired pending invitation of the same person retires first (end_reason
 *   `expired`); the aggregate over it in `membership`'s WHERE makes PostgreSQL run it to
 *   completion before the insert, so the row has left the live index by then.
 * - `membership`: the invitation. The partial unique index on live memberships decides
 *   conflicts (23505 → 409), so concurrent identical invites give one row.
 * - `mail`: its email in the outbox ($13: its public id), with the sealed token ($10).
 * - `audit`: `invitation.expired` (when one retired) then `invitation.created`, with the same
 *   snapshots AuditService wrote from JavaScript (ISO instants with milliseconds).
 */
export const INVITE_STATEMENT: Statement = {
  name: 'invitation_invite_v1',
  parameters: [
    'email',
    'organizationId',
    'scope',
    'permissions',
    'professionId',
    'inviterId',
    'tokenHash',
    'ttlSeconds',
    'mailKind',
    'sealedToken',
    'sessionHash',
    'requestId',
    'outboxId',
  ],
  text: `
  WITH admin AS (
    SELECT uo.organization_id, o.name AS organization_name, inviter.email AS inviter_email
      FROM user_organizations uo
      JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
      JOIN users inviter ON inviter.id = uo.user_id
     WHERE uo.user_id = $6::bigint AND uo.scope = 1 AND uo.status = 'active' AND uo.deleted_at IS NULL
       AND ($2::bigint IS NULL OR uo.organization_id = $2::bigint)
     LIMIT 2
  ), target AS (
    SELECT * FROM admin WHERE (SELECT count(*) FROM admin) = 1
  ), invitee AS (
    INSERT INTO users (email, status)
    SELECT $1::text, 'invited' FROM target
    ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO UPDATE SET email = users.email
    RETURNING id, email
  ), expired AS (
    UPDATE user_organizations uo
       SET deleted_at = now(), end_reason = 'expired', version = uo.version + 1, updated_at = now()
      FROM invitee, target
     WHERE uo.user_id = invitee.id AND uo.organization_id = target.organization_id
       AND uo.deleted_at IS NULL AND uo.status = 'invited' AND uo.invitation_expires_at <= now()
    RETURNING ${membershipColumns('uo')}
  ), membership AS (
    INSERT INTO user_organizations
      (user_id, organization_id, scope, permissions, profession_id, status, invited_by,
       invitation_token_hash, invitation_expires_at)
    SELECT invitee.id, target.organization_id, $3::smallint, $4::jsonb, $5::bigint, 'invited', $6::bigint,
           $7::text, now() + $8::float8 * interval '1 second'
      FROM invitee, target
     WHERE (SELECT count(*) FROM expired) >= 0
    RETURNING *
  ), mail AS (
    INSERT INTO mail_outbox (public_id, kind, membership_id, recipient, subject, payload, secret)
    SELECT $13::uuid, $9::text, m.id, i.email, left('Invitation to join ' || t.organization_name, 300),
           jsonb_build_object('organizationName', t.organization_name, 'inviterEmail', t.inviter_email,
                              'scope', m.scope, 'expiresAt', m.invitation_expires_at),
           $10::text
      FROM membership m, invitee i, target t
    RETURNING id
  ), audit AS (
    INSERT INTO audit_events
      (action, actor_user_id, actor_session_hash, organization_id, target_user_id, membership_id, before, after,
       request_id)
    SELECT e.action, $6::bigint, $11::text, t.organization_id, i.id, e.membership_id, e.before, e.after,
           NULLIF($12::text, '')
      FROM (
        SELECT 1 AS seq, 'invitation.expired' AS action, x.id AS membership_id,
               jsonb_build_object('scope', x.scope, 'permissions', x.permissions, 'professionId', x."professionId",
                                  'status', x.status, 'deletedAt', NULL) AS before,
               jsonb_build_object('scope', x.scope, 'permissions', x.permissions, 'professionId', x."professionId",
                                  'status', x.status, 'deletedAt', ${iso('x."deletedAt"')},
                                  'endReason', 'expired') AS after
          FROM expired x
        UNION ALL
        SELECT 2, 'invitation.created', m.id, NULL,
               jsonb_build_object('scope', m.scope, 'permissions', m.permissions, 'professionId', m.profession_id,
                                  'status', m.status, 'deletedAt', ${iso('m.deleted_at')},
                                  'invitedBy', m.invited_by,
                                  'invitationExpiresAt', ${iso('m.invitation_expires_at')},
                                  'acceptedAt', ${iso('m.accepted_at')})
          FROM membership m
      ) e, invitee i, target t
     ORDER BY e.seq
    RETURNING id
  )
  SELECT ${membershipColumns('m')}, i.email AS "inviteeEmail",
         (SELECT count(*) FROM expired)::int AS "expiredInvitations",
         (SELECT count(*) FROM mail)::int AS "mails",
         (SELECT count(*) FROM audit)::int AS "auditEvents"
    FROM membership m CROSS JOIN invitee i`,
};
