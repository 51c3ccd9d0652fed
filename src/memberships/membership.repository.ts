import { Injectable } from '@nestjs/common';
import { decodeCursor, pageOf } from '../common/cursor.js';
import { Sql, type Queryable, type Statement } from '../database/sql.js';
import { Scope, type MembershipEndReason, type Permissions } from './membership.constants.js';
import type { MembershipGrant } from './membership.rules.js';
import {
  membershipColumns,
  rowToMembership,
  type JoinedMembershipRow,
  type Membership,
  type MembershipRow,
} from './membership-row.js';
import {
  emailDomainAllowedSql,
  grantCeilingSql,
  organizationLimitsSql,
  pendingFreeSql,
  seatsFreeSql,
  type PolicyVerdict,
} from './membership.rules.js';

/** The live ADMIN membership rows of one organization, as locked by a change. */
export interface LockedAdmin {
  id: number;
  userId: number;
  scope: Scope;
  permissions: Permissions;
}

/** A membership with the member's email and the organization's name. */
export interface JoinedMembership {
  membership: Membership;
  email: string;
  organizationName: string;
}

/** An invitation row as locked for a change, with what the database knows about it. */
export interface LockedInvitation {
  membership: Membership;
  /** `invitation_expires_at <= now()`, by the database's clock. */
  expired: boolean;
  organizationDeleted: boolean;
  /** The inviter is still an active ADMIN of the organization (true when backoffice invited). */
  inviterHasAuthority: boolean;
  /** Seconds until one more resend fits the hourly limit; null when one fits now (resend only). */
  retryAfterSeconds: number | null;
}

/** A row of the invitation view: the invitation with names and its latest email's delivery. */
export interface InvitationViewRow extends JoinedMembershipRow {
  inviter_email: string | null;
  expired: boolean;
  mail_status: string | null;
  mail_attempts: number | null;
  mail_sent_at: Date | string | null;
  mail_next_attempt_at: Date | string | null;
  mail_last_error: string | null;
}

/** An invitation as its token holder sees it: names, and what its state depends on. */
export interface InvitationPreviewRow extends JoinedMembershipRow {
  inviter_email: string | null;
  expired: boolean;
  inviter_has_authority: boolean;
}

export interface InviteParams {
  email: string;
  /** Asked for (query parameter, else the session's), or null for the caller's only one. */
  organizationId: number | null;
  scope: Scope;
  permissions: Permissions;
  /** The role the grant was copied from; null for a grant given field by field. */
  roleKey: string | null;
  professionId: number | null;
  inviterId: number;
  tokenHash: string;
  ttlSeconds: number;
  mailKind: string;
  sealedToken: string;
  /** The public id of the outbox row, to which the sealed token is bound. */
  outboxId: string;
  /** What the audit trail keeps of the session: a hash, never its id. */
  sessionHash: string;
  requestId: string;
  /** false: no email is queued (the caller hands the link over itself). */
  sendEmail: boolean;
}

/** What the invite statement answered: no row: the caller is not the ADMIN of exactly one organization. */
export interface InviteOutcome {
  organizationId: number;
  /** The granter's own grant, read from its locked row. */
  granter: { scope: Scope; permissions: Permissions };
  /** The grant fits under the granter's own. */
  withinCeiling: boolean;
  /** What the organization's limits and domains said of one more pending invitation. */
  policy: PolicyVerdict;
  /**
   * The invitation, or undefined when nothing was written: the grant ceiling refused it, or
   * the address belongs to a stored non-ASCII address that case-folds onto it.
   */
  membership?: Membership;
  inviteeEmail?: string;
  /** An expired pending invitation of the same person retired first. */
  expiredInvitations: number;
}

export type MembershipOwner = { organizationId: number } | { userId: number };

export interface MembershipListQuery {
  limit: number;
  cursor?: string;
  includeDeleted?: boolean;
  status?: string;
  scope?: number;
  email?: string;
  /** Live invitations only: `pending` (not yet past their expiry) or `expired`. */
  state?: 'pending' | 'expired';
  invitedBy?: number;
}

/** A list item: the membership, names, and whether a live invitation is past its expiry. */
export interface ListedMembership extends JoinedMembership {
  /** `invitation_expires_at <= now()`, by the database's clock. */
  expired: boolean;
}

/** An instant as the audit trail writes it from JavaScript: `Date.prototype.toISOString()`. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The stored address is ASCII. The schema checks it for every new or changed row; a row an
 * older tool wrote before the check is never taken for the same person as an ASCII address
 * (a locale's or Unicode's lower-casing could fold it onto one).
 */
const ASCII_EMAIL = (users: string) => `octet_length(${users}.email) = char_length(${users}.email)`;

/** `%`, `_` and `\` match themselves in a prefix search. */
const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** An active ADMIN membership row of alias `uo` (the one predicate, in SQL). */
const ACTIVE_ADMIN = (uo: string) =>
  `${uo}.scope = ${Scope.ADMIN} AND ${uo}.status = 'active' AND ${uo}.deleted_at IS NULL`;

/**
 * The inviter of invitation `uo` is still an active ADMIN of its organization, as a live user
 * (true when backoffice invited): an invitation lives no longer than its inviter's authority.
 */
const INVITER_HAS_AUTHORITY = (uo: string) => `(${uo}.invited_by IS NULL OR EXISTS (
                SELECT 1 FROM user_organizations a
                  JOIN users au ON au.id = a.user_id AND au.deleted_at IS NULL
                 WHERE a.user_id = ${uo}.invited_by AND a.organization_id = ${uo}.organization_id AND ${ACTIVE_ADMIN('a')}
              ))`;

/** Marks the pending mails of membership `$1` cancelled (and drops their sealed token). */
const CANCEL_MAILS_CTE = `
  cancelled AS (
    UPDATE mail_outbox SET status = 'cancelled', secret = NULL, updated_at = now()
     WHERE membership_id = $1 AND status = 'pending'
    RETURNING id
  )`;

/** The organization the inviter administers: the one asked for ($org), else its only one; locked FOR SHARE. */
const INVITER_ADMIN_CTE = (inviter: string, organization: string) => `
  admin AS (
    SELECT uo.organization_id, uo.scope, uo.permissions, o.name AS organization_name, inviter.email AS inviter_email
      FROM user_organizations uo
      JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
      JOIN users inviter ON inviter.id = uo.user_id
     WHERE uo.user_id = ${inviter}::bigint AND ${ACTIVE_ADMIN('uo')}
       AND (${organization}::bigint IS NULL OR uo.organization_id = ${organization}::bigint)
     LIMIT 2
       FOR SHARE OF uo
  ), single AS (
    SELECT * FROM admin WHERE (SELECT count(*) FROM admin) = 1
  )`;

/** The invitation email's outbox columns after `kind, membership_id, recipient, subject`. */
const MAIL_PAYLOAD = (m: string, org: string) =>
  `left('Invitation to join ' || ${org}.organization_name, 300),
   jsonb_build_object('organizationName', ${org}.organization_name, 'inviterEmail', ${org}.inviter_email,
                      'scope', ${m}.scope, 'expiresAt', ${m}.invitation_expires_at)`;

/** The audit rows of an invite: `invitation.expired` for each retired one, then `invitation.created`. */
const INVITE_AUDIT_EVENTS = (expired: string, created: string) => `
        SELECT 1 AS seq, 'invitation.expired' AS action, x.id AS membership_id, x.user_id,
               jsonb_build_object('scope', x.scope, 'permissions', x.permissions, 'professionId', x.profession_id,
                                  'status', x.status, 'deletedAt', NULL) AS before,
               jsonb_build_object('scope', x.scope, 'permissions', x.permissions, 'professionId', x.profession_id,
                                  'status', x.status, 'deletedAt', ${iso('x.deleted_at')},
                                  'endReason', 'expired') AS after
          FROM ${expired} x
        UNION ALL
        SELECT 2, 'invitation.created', m.id, m.user_id, NULL,
               jsonb_build_object('scope', m.scope, 'permissions', m.permissions, 'professionId', m.profession_id,
                                  'status', m.status, 'deletedAt', ${iso('m.deleted_at')},
                                  'invitedBy', m.invited_by,
                                  'invitationExpiresAt', ${iso('m.invitation_expires_at')},
                                  'acceptedAt', ${iso('m.accepted_at')})
          FROM ${created} m`;

/**
 * What an organization's policy asks of `adding` new pending invitations for `email`: a
 * seat and a pending slot each, and an allowed domain (the SQL forms in membership.rules.ts).
 */
const INVITE_POLICY_SQL = (limits: string, email: string, adding: string) =>
  `${seatsFreeSql(limits, adding)} AND ${pendingFreeSql(limits, adding)} AND ${emailDomainAllowedSql(limits, email)}`;

/**
 * The `audit` CTE of an invite (single or bulk): the rows of INVITE_AUDIT_EVENTS over the
 * `expired` and `membership` CTEs, in the organization of `single`, retired ones before the
 * invitation that replaces them (an older row has a smaller id).
 */
const INVITE_AUDIT_CTE = (inviter: string, sessionHash: string, requestId: string) => `
  audit AS (
    INSERT INTO audit_events
      (action, actor_user_id, actor_session_hash, organization_id, target_user_id, membership_id, before, after,
       request_id)
    SELECT e.action, ${inviter}::bigint, ${sessionHash}::text, s.organization_id, e.user_id, e.membership_id,
           e.before, e.after, NULLIF(${requestId}::text, '')
      FROM (${INVITE_AUDIT_EVENTS('expired', 'membership')}
      ) e, single s
     ORDER BY e.membership_id, e.seq
    RETURNING id
  )`;

/**
 * The whole invite as one statement, so one round trip and no explicit transaction: a single
 * statement is atomic, and every step below commits or rolls back with it (a round trip saved
 * is worth ~8–10 % of the invite's throughput; see docs/decisions).
 *
 * - `admin`: the caller's active ADMIN membership in a live organization: the one asked for
 *   ($2), else the caller's only one. Locked FOR SHARE, so a concurrent demotion or removal of
 *   the caller (which locks the organization's admin rows FOR UPDATE) either waits for this
 *   invitation to commit and then revokes it, or commits first and leaves no admin here.
 * - `limits`: the organization's limits and usage ({@link organizationLimitsSql}: a limited
 *   organization is locked and counted, an unlimited one only read).
 * - `target`: that admin when it is the only one, the grant fits under its own (the grant
 *   ceiling, {@link grantCeilingSql}) and the organization's policy admits one more pending
 *   invitation of that address ({@link INVITE_POLICY_SQL}). Nothing below happens without it.
 * - `invitee`: found or created by lower(email), race-safe (ON CONFLICT on the live index).
 * - `expired`: an expired pending invitation of the same person retires first (end_reason
 *   `expired`); the aggregate over it in `membership`'s WHERE makes PostgreSQL run it to
 *   completion before the insert, so the row has left the live index by then.
 * - `membership`: the invitation. The partial unique index on live memberships decides
 *   conflicts (23505 → 409), so concurrent identical invites give one row.
 * - `mail`: its email in the outbox, with the sealed token ($10), unless the caller delivers
 *   the link itself ($13 false).
 * - `audit`: `invitation.expired` (when one retired) then `invitation.created`.
 *
 * It answers one row whenever the caller is the ADMIN of exactly one organization (with the
 * granter's own grant, and the invitation when it was made), and no row otherwise.
 */
export const INVITE_STATEMENT: Statement = {
  name: 'membership_invite',
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
    'sendEmail',
    'roleKey',
  ],
  text: `
  WITH ${INVITER_ADMIN_CTE('$6', '$2')}, limits AS (${organizationLimitsSql('SELECT organization_id FROM single')}
  ), target AS (
    SELECT single.* FROM single, limits
     WHERE ${grantCeilingSql('single', '$3::smallint', '$4::jsonb')}
       AND ${INVITE_POLICY_SQL('limits', '$1::text', '1')}
  ), invitee AS (
    INSERT INTO users (email, status)
    SELECT $1::text, 'invited' FROM target
    ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO UPDATE SET email = users.email
       WHERE ${ASCII_EMAIL('users')}
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
       invitation_token_hash, invitation_expires_at, role_key)
    SELECT invitee.id, target.organization_id, $3::smallint, $4::jsonb, $5::bigint, 'invited', $6::bigint,
           $7::text, now() + $8::float8 * interval '1 second', $15::varchar
      FROM invitee, target
     WHERE (SELECT count(*) FROM expired) >= 0
    RETURNING ${membershipColumns()}
  ), mail AS (
    INSERT INTO mail_outbox (public_id, kind, membership_id, recipient, subject, payload, secret)
    SELECT $13::uuid, $9::text, m.id, i.email, ${MAIL_PAYLOAD('m', 't')}, $10::text
      FROM membership m, invitee i, target t
     WHERE $14::boolean
    RETURNING id
  ), ${INVITE_AUDIT_CTE('$6', '$11', '$12')}
  SELECT s.organization_id AS granter_organization_id, s.scope AS granter_scope,
         s.permissions AS granter_permissions,
         ${grantCeilingSql('s', '$3::smallint', '$4::jsonb')} AS within_ceiling,
         ${seatsFreeSql('l', '1')} AS seats_free, ${pendingFreeSql('l', '1')} AS pending_free,
         ${emailDomainAllowedSql('l', '$1::text')} AS domain_allowed,
         ${membershipColumns('m')}, i.email AS invitee_email,
         (SELECT count(*) FROM expired)::int AS expired_invitations,
         (SELECT count(*) FROM mail)::int AS mails,
         (SELECT count(*) FROM audit)::int AS audit_events
    FROM single s
    LEFT JOIN limits l ON true
    LEFT JOIN membership m ON true
    LEFT JOIN invitee i ON true`,
};

/**
 * Invites many people at once, in one statement: each item judged as the single invite judges
 * it (the same admin CTE, grant ceiling, invitee lookup, expiry retirement, outbox mail and
 * audit rows). An item that meets a live membership is skipped (ON CONFLICT DO NOTHING on the
 * live index) instead of failing the statement, so one answer row per item says what became
 * of it. Items are given as parallel arrays, in request order ($1 their indexes); emails must
 * be distinct (lower-cased) in one call. No row at all: the caller is not the ADMIN of
 * exactly one organization.
 */
export const BULK_INVITE_STATEMENT: Statement = {
  name: 'membership_invite_bulk',
  parameters: [
    'indexes',
    'emails',
    'scopes',
    'permissions',
    'professionIds',
    'tokenHashes',
    'sealedTokens',
    'outboxIds',
    'organizationId',
    'inviterId',
    'ttlSeconds',
    'mailKind',
    'sendEmail',
    'sessionHash',
    'requestId',
    'roleKeys',
  ],
  text: `
  WITH ${INVITER_ADMIN_CTE('$10', '$9')}, item AS (
    SELECT i.*
      FROM unnest($1::int[], $2::text[], $3::smallint[], $4::jsonb[], $5::bigint[], $6::text[], $7::text[],
                  $8::uuid[], $16::varchar[])
        AS i(idx, email, scope, permissions, profession_id, token_hash, sealed_token, outbox_id, role_key)
  ), limits AS (${organizationLimitsSql('SELECT organization_id FROM single')}
  ), judged AS (
    SELECT item.*, ${grantCeilingSql('single', 'item.scope', 'item.permissions')} AS within_ceiling,
           ${emailDomainAllowedSql('limits', 'item.email')} AS domain_allowed
      FROM item, single, limits
  ), ranked AS (
    -- the items that pass the ceiling and the domain take seats in request order: the n-th
    -- of them needs n free seats and n free pending slots
    SELECT judged.*, row_number() OVER (ORDER BY judged.idx) AS seat_rank
      FROM judged
     WHERE judged.within_ceiling AND judged.domain_allowed
  ), allowed AS (
    SELECT r.idx, r.email, r.scope, r.permissions, r.profession_id, r.token_hash, r.sealed_token, r.outbox_id,
           r.role_key
      FROM ranked r, limits
     WHERE ${INVITE_POLICY_SQL('limits', 'r.email', 'r.seat_rank')}
  ), invitee AS (
    INSERT INTO users (email, status)
    SELECT email, 'invited' FROM allowed ORDER BY idx
    ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO UPDATE SET email = users.email
       WHERE ${ASCII_EMAIL('users')}
    RETURNING id, email
  ), matched AS (
    SELECT a.*, iv.id AS user_id, iv.email AS stored_email
      FROM allowed a JOIN invitee iv ON lower(iv.email) = lower(a.email)
  ), expired AS (
    UPDATE user_organizations uo
       SET deleted_at = now(), end_reason = 'expired', version = uo.version + 1, updated_at = now()
      FROM matched mt, single s
     WHERE uo.user_id = mt.user_id AND uo.organization_id = s.organization_id
       AND uo.deleted_at IS NULL AND uo.status = 'invited' AND uo.invitation_expires_at <= now()
    RETURNING ${membershipColumns('uo')}
  ), membership AS (
    INSERT INTO user_organizations
      (user_id, organization_id, scope, permissions, profession_id, status, invited_by,
       invitation_token_hash, invitation_expires_at, role_key)
    SELECT mt.user_id, s.organization_id, mt.scope, mt.permissions, mt.profession_id, 'invited', $10::bigint,
           mt.token_hash, now() + $11::float8 * interval '1 second', mt.role_key
      FROM matched mt, single s
     WHERE (SELECT count(*) FROM expired) >= 0
     ORDER BY mt.idx
    ON CONFLICT (user_id, organization_id) WHERE deleted_at IS NULL DO NOTHING
    RETURNING ${membershipColumns()}
  ), mail AS (
    INSERT INTO mail_outbox (public_id, kind, membership_id, recipient, subject, payload, secret)
    SELECT mt.outbox_id, $12::text, m.id, mt.stored_email, ${MAIL_PAYLOAD('m', 's')}, mt.sealed_token
      FROM membership m JOIN matched mt ON mt.user_id = m.user_id, single s
     WHERE $13::boolean
     ORDER BY mt.idx
    RETURNING id
  ), ${INVITE_AUDIT_CTE('$10', '$14', '$15')}
  SELECT it.idx, s.organization_id AS granter_organization_id, s.scope AS granter_scope,
         s.permissions AS granter_permissions, COALESCE(j.within_ceiling, false) AS within_ceiling,
         COALESCE(j.domain_allowed, false) AS domain_allowed,
         COALESCE(${seatsFreeSql('l', 'rk.seat_rank')}, false) AS seats_free,
         COALESCE(${pendingFreeSql('l', 'rk.seat_rank')}, false) AS pending_free,
         mt.user_id IS NOT NULL AS invitee_found,
         (SELECT l.status FROM user_organizations l
           WHERE l.user_id = mt.user_id AND l.organization_id = s.organization_id AND l.deleted_at IS NULL
           LIMIT 1) AS live_status,
         ${membershipColumns('m')},
         (SELECT count(*) FROM expired)::int AS expired_invitations,
         (SELECT count(*) FROM mail)::int AS mails,
         (SELECT count(*) FROM audit)::int AS audit_events
    FROM item it
    CROSS JOIN single s
    LEFT JOIN limits l ON true
    LEFT JOIN judged j ON j.idx = it.idx
    LEFT JOIN ranked rk ON rk.idx = it.idx
    LEFT JOIN matched mt ON mt.idx = it.idx
    LEFT JOIN membership m ON m.user_id = mt.user_id
   ORDER BY it.idx`,
};

/** One item of a bulk invite. */
export interface BulkInviteItem {
  index: number;
  email: string;
  scope: Scope;
  permissions: Permissions;
  roleKey: string | null;
  professionId: number | null;
  tokenHash: string;
  sealedToken: string;
  /** The public id of its outbox row, to which the sealed token is bound. */
  outboxId: string;
}

/** What became of one bulk item. */
export type BulkInviteItemOutcome =
  | { index: number; outcome: 'created'; membership: Membership }
  | { index: number; outcome: 'exceeds_ceiling' }
  | { index: number; outcome: 'policy'; verdict: PolicyVerdict }
  | { index: number; outcome: 'conflict'; liveStatus: string | null }
  | { index: number; outcome: 'email_conflict' };

export interface BulkInviteOutcome {
  organizationId: number;
  granter: { scope: Scope; permissions: Permissions };
  items: BulkInviteItemOutcome[];
  expiredInvitations: number;
}

type BulkInviteRow = Partial<MembershipRow> & {
  idx: number;
  seats_free: boolean;
  pending_free: boolean;
  domain_allowed: boolean;
  granter_organization_id: number | string;
  granter_scope: Scope;
  granter_permissions: Permissions;
  within_ceiling: boolean;
  invitee_found: boolean;
  live_status: string | null;
  expired_invitations: number;
};

type InviteRow = Partial<MembershipRow> & {
  seats_free: boolean;
  pending_free: boolean;
  domain_allowed: boolean;
  granter_organization_id: number | string;
  granter_scope: Scope;
  granter_permissions: Permissions;
  within_ceiling: boolean;
  invitee_email: string | null;
  expired_invitations: number;
};

const INVITATION_VIEW_SQL = `
  SELECT ${membershipColumns('uo')}, u.email, o.name AS organization_name, inviter.email AS inviter_email,
         COALESCE(uo.invitation_expires_at <= now(), false) AS expired,
         mo.status AS mail_status, mo.attempts AS mail_attempts, mo.sent_at AS mail_sent_at,
         mo.next_attempt_at AS mail_next_attempt_at, mo.last_error AS mail_last_error
    FROM user_organizations uo
    JOIN users u ON u.id = uo.user_id
    JOIN organizations o ON o.id = uo.organization_id
    LEFT JOIN users inviter ON inviter.id = uo.invited_by
    LEFT JOIN LATERAL (
      SELECT status, attempts, sent_at, next_attempt_at, last_error
        FROM mail_outbox
       WHERE membership_id = uo.id
       ORDER BY id DESC
       LIMIT 1
    ) mo ON true`;

const JOINED_SQL = `
  SELECT ${membershipColumns('uo')}, u.email, o.name AS organization_name
    FROM user_organizations uo
    JOIN users u ON u.id = uo.user_id
    JOIN organizations o ON o.id = uo.organization_id`;

/** The joined rows of a list, each saying whether a live invitation is past its expiry. */
const LIST_SQL = `
  SELECT ${membershipColumns('uo')}, u.email, o.name AS organization_name,
         COALESCE(uo.invitation_expires_at <= now(), false) AS expired
    FROM user_organizations uo
    JOIN users u ON u.id = uo.user_id
    JOIN organizations o ON o.id = uo.organization_id`;

const verdictOf = (row: { seats_free: boolean; pending_free: boolean; domain_allowed: boolean }): PolicyVerdict => ({
  seatsFree: row.seats_free,
  pendingFree: row.pending_free,
  domainAllowed: row.domain_allowed,
});

const joined = (row: JoinedMembershipRow): JoinedMembership => ({
  membership: rowToMembership(row),
  email: row.email,
  organizationName: row.organization_name,
});

/**
 * Every statement on `user_organizations`: the services hold the rules and the order of
 * things, this holds the SQL. Changes take their locks in one order (the organization's
 * active ADMIN rows by id, then the target row), so two changes that could together leave
 * an organization without an admin run one after the other, and the second sees what the
 * first did.
 */
@Injectable()
export class MembershipRepository {
  constructor(private readonly sql: Sql) {}

  // ---- who administers what ------------------------------------------------------------

  /** The live organizations where the user is an active ADMIN (at most `limit`), by id. */
  async adminOrganizations(userId: number, limit: number): Promise<number[]> {
    const rows = await this.sql.read<{ organization_id: string }>(
      `SELECT uo.organization_id
         FROM user_organizations uo
         JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
        WHERE uo.user_id = $1 AND ${ACTIVE_ADMIN('uo')}
        ORDER BY uo.organization_id
        LIMIT $2`,
      [userId, limit],
    );
    return rows.map((r) => Number(r.organization_id));
  }

  /** Whether the user is an active ADMIN of the live organization (in `tx` when given). */
  async isActiveAdmin(userId: number, organizationId: number, tx?: Queryable): Promise<boolean> {
    const sql = `SELECT 1
         FROM user_organizations uo
         JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
        WHERE uo.user_id = $1 AND uo.organization_id = $2 AND ${ACTIVE_ADMIN('uo')}`;
    const rows = tx
      ? await tx.query(sql, [userId, organizationId])
      : await this.sql.read(sql, [userId, organizationId]);
    return rows.length > 0;
  }

  /**
   * Locks (FOR SHARE) the user's active ADMIN row in a live organization: the grant it may
   * give, held still until the transaction ends; undefined when it is no such admin.
   */
  async lockGranter(
    tx: Queryable,
    userId: number,
    organizationId: number,
  ): Promise<{ scope: Scope; permissions: Permissions } | undefined> {
    const rows = await tx.query<{ scope: Scope; permissions: Permissions }>(
      `SELECT uo.scope, uo.permissions
         FROM user_organizations uo
         JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
        WHERE uo.user_id = $1 AND uo.organization_id = $2 AND ${ACTIVE_ADMIN('uo')}
          FOR SHARE OF uo`,
      [userId, organizationId],
    );
    return rows[0];
  }

  /**
   * Locks the organization's active ADMIN rows (ordered by id, so concurrent changes queue
   * instead of deadlocking). A waiting transaction re-reads the rows once the other commits
   * (READ COMMITTED), so the admins it counts are the admins that remain.
   */
  async lockActiveAdmins(tx: Queryable, organizationId: number): Promise<LockedAdmin[]> {
    const rows = await tx.query<{ id: string; user_id: string; scope: Scope; permissions: Permissions }>(
      `SELECT id, user_id, scope, permissions
         FROM user_organizations uo
        WHERE organization_id = $1 AND ${ACTIVE_ADMIN('uo')}
        ORDER BY id
          FOR UPDATE`,
      [organizationId],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      userId: Number(r.user_id),
      scope: r.scope,
      permissions: r.permissions,
    }));
  }

  // ---- invite ------------------------------------------------------------------------------

  async invite(params: InviteParams): Promise<InviteOutcome | undefined> {
    const rows = await this.sql.query<InviteRow>(INVITE_STATEMENT, [
      params.email,
      params.organizationId,
      params.scope,
      JSON.stringify(params.permissions),
      params.professionId,
      params.inviterId,
      params.tokenHash,
      params.ttlSeconds,
      params.mailKind,
      params.sealedToken,
      params.sessionHash,
      params.requestId,
      params.outboxId,
      params.sendEmail,
      params.roleKey,
    ]);
    const row = rows[0];
    if (!row) {
      return undefined;
    }
    return {
      organizationId: Number(row.granter_organization_id),
      granter: { scope: row.granter_scope, permissions: row.granter_permissions },
      withinCeiling: row.within_ceiling,
      policy: verdictOf(row),
      membership: row.id === null || row.id === undefined ? undefined : rowToMembership(row as MembershipRow),
      inviteeEmail: row.invitee_email ?? undefined,
      expiredInvitations: row.expired_invitations,
    };
  }

  /**
   * The bulk invite statement, in `q` (a transaction, when the caller may roll it back:
   * dry runs and all-or-nothing bulks). undefined: the caller is not the ADMIN of exactly one
   * organization.
   */
  async inviteMany(
    q: Queryable,
    items: BulkInviteItem[],
    params: Omit<
      InviteParams,
      'email' | 'scope' | 'permissions' | 'roleKey' | 'professionId' | 'tokenHash' | 'sealedToken' | 'outboxId'
    > & {
      sendEmail: boolean;
    },
  ): Promise<BulkInviteOutcome | undefined> {
    const rows = await q.query<BulkInviteRow>(BULK_INVITE_STATEMENT, [
      items.map((i) => i.index),
      items.map((i) => i.email),
      items.map((i) => i.scope),
      items.map((i) => JSON.stringify(i.permissions)),
      items.map((i) => i.professionId),
      items.map((i) => i.tokenHash),
      items.map((i) => i.sealedToken),
      items.map((i) => i.outboxId),
      params.organizationId,
      params.inviterId,
      params.ttlSeconds,
      params.mailKind,
      params.sendEmail,
      params.sessionHash,
      params.requestId,
      items.map((i) => i.roleKey),
    ]);
    if (rows.length === 0) {
      return undefined;
    }
    return {
      organizationId: Number(rows[0].granter_organization_id),
      granter: { scope: rows[0].granter_scope, permissions: rows[0].granter_permissions },
      expiredInvitations: rows[0].expired_invitations,
      items: rows.map((row): BulkInviteItemOutcome => {
        const index = row.idx;
        if (!row.within_ceiling) {
          return { index, outcome: 'exceeds_ceiling' };
        }
        if (!row.domain_allowed || !row.seats_free || !row.pending_free) {
          return { index, outcome: 'policy', verdict: verdictOf(row) };
        }
        if (!row.invitee_found) {
          return { index, outcome: 'email_conflict' };
        }
        if (row.id === null || row.id === undefined) {
          return { index, outcome: 'conflict', liveStatus: row.live_status };
        }
        return { index, outcome: 'created', membership: rowToMembership(row as MembershipRow) };
      }),
    };
  }

  /** The status of the live membership that `email` has in the organization, if any. */
  async liveStatusByEmail(email: string, organizationId: number): Promise<string | undefined> {
    const rows = await this.sql.read<{ status: string }>(
      `SELECT uo.status
         FROM users u
         JOIN user_organizations uo
           ON uo.user_id = u.id AND uo.organization_id = $2 AND uo.deleted_at IS NULL
        WHERE lower(u.email) = lower($1) AND u.deleted_at IS NULL AND ${ASCII_EMAIL('u')}`,
      [email, organizationId],
    );
    return rows[0]?.status;
  }

  // ---- invitations ----------------------------------------------------------------------

  /**
   * Locks an invitation row for the rest of the transaction (by id or token hash). With
   * `resendLimit`, also says how long until one more resend fits in the rolling hour: the
   * limit-th most recent resend's age, counted from the outbox.
   */
  async lockInvitation(
    tx: Queryable,
    target: { id: number } | { tokenHash: string },
    resend?: { limit: number; mailKind: string },
  ): Promise<LockedInvitation | undefined> {
    const window =
      resend === undefined
        ? 'NULL::int'
        : `(SELECT ceil(extract(epoch FROM (mo.created_at + interval '1 hour' - now())))::int
              FROM mail_outbox mo
             WHERE mo.membership_id = uo.id AND mo.kind = $2
               AND mo.created_at > now() - interval '1 hour'
             ORDER BY mo.created_at DESC
            OFFSET $3 LIMIT 1)`;
    const rows = await tx.query<
      MembershipRow & {
        expired: boolean;
        organization_deleted: boolean;
        inviter_has_authority: boolean;
        retry_after_seconds: number | null;
      }
    >(
      `SELECT ${membershipColumns('uo')},
              COALESCE(uo.invitation_expires_at <= now(), false) AS expired,
              EXISTS (SELECT 1 FROM organizations o WHERE o.id = uo.organization_id AND o.deleted_at IS NOT NULL)
                AS organization_deleted,
              ${INVITER_HAS_AUTHORITY('uo')} AS inviter_has_authority,
              ${window} AS retry_after_seconds
         FROM user_organizations uo
        WHERE ${'id' in target ? 'uo.id = $1' : 'uo.invitation_token_hash = $1'}
        FOR UPDATE OF uo`,
      [
        'id' in target ? target.id : target.tokenHash,
        ...(resend === undefined ? [] : [resend.mailKind, resend.limit - 1]),
      ],
    );
    const row = rows[0];
    if (!row) {
      return undefined;
    }
    return {
      membership: rowToMembership(row),
      expired: row.expired,
      organizationDeleted: row.organization_deleted,
      inviterHasAuthority: row.inviter_has_authority,
      retryAfterSeconds: row.retry_after_seconds === null ? null : Math.max(1, row.retry_after_seconds),
    };
  }

  /**
   * A new token and expiry for an invitation, its unsent mails cancelled and, unless the
   * caller delivers the link itself (`sendEmail` false), a new one queued.
   */
  async renewInvitation(
    tx: Queryable,
    params: {
      id: number;
      tokenHash: string;
      ttlSeconds: number;
      mailKind: string;
      sealedToken: string;
      resentBy: number;
      outboxId: string;
      sendEmail: boolean;
    },
  ): Promise<{ membership: Membership; mailId: number | null }> {
    const rows = await tx.query<MembershipRow & { mail_id: string | null }>(
      `WITH m AS (
         UPDATE user_organizations uo
            SET invitation_token_hash = $2, invitation_expires_at = now() + $3 * interval '1 second',
                version = uo.version + 1, updated_at = now()
          WHERE uo.id = $1
         RETURNING ${membershipColumns('uo')}
       ), ${CANCEL_MAILS_CTE}, mail AS (
         INSERT INTO mail_outbox (public_id, kind, membership_id, recipient, subject, payload, secret)
         SELECT $7::uuid, $4, m.id, u.email, left('Invitation to join ' || o.name, 300),
                jsonb_build_object('organizationName', o.name, 'inviterEmail', inviter.email,
                                   'scope', m.scope, 'expiresAt', m.invitation_expires_at),
                $5
           FROM m
           JOIN users u ON u.id = m.user_id
           JOIN organizations o ON o.id = m.organization_id
           LEFT JOIN users inviter ON inviter.id = $6
          WHERE $8::boolean
         RETURNING id
       )
       SELECT m.*, (SELECT id FROM mail) AS mail_id, (SELECT count(*) FROM cancelled)::int AS cancelled_mails
         FROM m`,
      [
        params.id,
        params.tokenHash,
        params.ttlSeconds,
        params.mailKind,
        params.sealedToken,
        params.resentBy,
        params.outboxId,
        params.sendEmail,
      ],
    );
    const mailId = rows[0].mail_id;
    return { membership: rowToMembership(rows[0]), mailId: mailId === null ? null : Number(mailId) };
  }

  /** The stored address of a user: the recipient its invitation mail goes to. */
  async emailOf(tx: Queryable, userId: number): Promise<string> {
    const rows = await tx.query<{ email: string }>(`SELECT email FROM users WHERE id = $1`, [userId]);
    return rows[0].email;
  }

  /** The invitation becomes an active membership; its user, if only invited, becomes active. */
  async acceptInvitation(
    tx: Queryable,
    id: number,
    userId: number,
  ): Promise<{ membership: Membership; userActivated: boolean }> {
    const rows = await tx.query<MembershipRow & { user_activated: boolean }>(
      `WITH m AS (
         UPDATE user_organizations uo
            SET status = 'active', accepted_at = now(), version = uo.version + 1, updated_at = now()
          WHERE uo.id = $1
         RETURNING ${membershipColumns('uo')}
       ), activated AS (
         UPDATE users SET status = 'active', updated_at = now()
          WHERE id = $2 AND status = 'invited' AND deleted_at IS NULL
         RETURNING id
       ), ${CANCEL_MAILS_CTE}
       SELECT m.*, EXISTS (SELECT 1 FROM activated) AS user_activated,
              (SELECT count(*) FROM cancelled)::int AS cancelled_mails
         FROM m`,
      [id, userId],
    );
    return { membership: rowToMembership(rows[0]), userActivated: rows[0].user_activated };
  }

  /**
   * Ends the pending invitations that `inviterId` sent into the organization (soft delete,
   * end_reason `inviter_lost_access`, unsent mails cancelled), for an ADMIN that stops being
   * one. Returns them as they were and as they are.
   */
  async revokeInvitationsSentBy(
    tx: Queryable,
    organizationId: number,
    inviterId: number,
    endedBy: number,
  ): Promise<{ before: Membership; after: Membership }[]> {
    const rows = await tx.query<MembershipRow & { before: MembershipRow }>(
      `WITH pending AS (
         SELECT uo.* FROM user_organizations uo
          WHERE uo.organization_id = $1 AND uo.invited_by = $2 AND uo.status = 'invited' AND uo.deleted_at IS NULL
          ORDER BY uo.id
            FOR UPDATE
       ), ended AS (
         UPDATE user_organizations uo
            SET deleted_at = now(), end_reason = 'inviter_lost_access', ended_by = $3,
                version = uo.version + 1, updated_at = now()
           FROM pending p
          WHERE uo.id = p.id
         RETURNING ${membershipColumns('uo')}, to_jsonb(p) AS before
       ), cancelled AS (
         UPDATE mail_outbox mo SET status = 'cancelled', secret = NULL, updated_at = now()
           FROM ended e
          WHERE mo.membership_id = e.id AND mo.status = 'pending'
         RETURNING mo.id
       )
       SELECT e.*, (SELECT count(*) FROM cancelled)::int AS cancelled_mails FROM ended e ORDER BY e.id`,
      [organizationId, inviterId, endedBy],
    );
    return rows.map((row) => ({ before: rowToMembership(row.before), after: rowToMembership(row) }));
  }

  /**
   * Cancels the unsent invitation mails of an organization's memberships (it is being
   * deleted: an invitation into it can no longer be accepted). Returns how many.
   */
  async cancelOrganizationMails(tx: Queryable, organizationId: number): Promise<number> {
    const rows = await tx.query<{ id: string }>(
      `UPDATE mail_outbox mo SET status = 'cancelled', secret = NULL, updated_at = now()
         FROM user_organizations uo
        WHERE mo.membership_id = uo.id AND uo.organization_id = $1 AND mo.status = 'pending'
       RETURNING mo.id`,
      [organizationId],
    );
    return rows.length;
  }

  /** One invitation with names and mail delivery (any state), or undefined. */
  async invitationView(id: number, q: Queryable = this.sql): Promise<InvitationViewRow | undefined> {
    const rows = await q.query<InvitationViewRow>(
      `${INVITATION_VIEW_SQL} WHERE uo.id = $1 AND uo.invitation_expires_at IS NOT NULL AND o.deleted_at IS NULL`,
      [id],
    );
    return rows[0];
  }

  /**
   * The invitation a token opens, for anybody holding the token (any state), in a live
   * organization; undefined for an unknown token.
   */
  async invitationByTokenHash(tokenHash: string): Promise<InvitationPreviewRow | undefined> {
    const rows = await this.sql.read<InvitationPreviewRow>(
      `SELECT ${membershipColumns('uo')}, u.email, o.name AS organization_name, inviter.email AS inviter_email,
              COALESCE(uo.invitation_expires_at <= now(), false) AS expired,
              ${INVITER_HAS_AUTHORITY('uo')} AS inviter_has_authority
         FROM user_organizations uo
         JOIN users u ON u.id = uo.user_id
         JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
         LEFT JOIN users inviter ON inviter.id = uo.invited_by
        WHERE uo.invitation_token_hash = $1 AND uo.invitation_expires_at IS NOT NULL`,
      [tokenHash],
    );
    return rows[0];
  }

  /**
   * The id of the live invitation (pending, or expired and not yet retired) of an address in
   * an organization: the address compared after ASCII lower-casing, stored non-ASCII
   * addresses never matching. undefined when there is none.
   */
  async liveInvitationIdByEmail(tx: Queryable, organizationId: number, email: string): Promise<number | undefined> {
    const rows = await tx.query<{ id: string }>(
      `SELECT uo.id
         FROM user_organizations uo
         JOIN users u ON u.id = uo.user_id
        WHERE uo.organization_id = $1 AND lower(u.email) = lower($2) AND ${ASCII_EMAIL('u')}
          AND uo.status = 'invited' AND uo.deleted_at IS NULL`,
      [organizationId, email],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].id);
  }

  /** The invitee's own pending invitations (expired ones on request), newest first. */
  async pendingInvitationsOf(
    userId: number,
    page: { after?: number; limit: number; includeExpired: boolean },
  ): Promise<InvitationViewRow[]> {
    return this.sql.read<InvitationViewRow>(
      `${INVITATION_VIEW_SQL}
        WHERE uo.user_id = $1 AND uo.deleted_at IS NULL AND uo.status = 'invited' AND o.deleted_at IS NULL
          AND ($2::boolean OR uo.invitation_expires_at > now())
          AND ($3::bigint IS NULL OR uo.id < $3::bigint)
        ORDER BY uo.id DESC
        LIMIT $4`,
      [userId, page.includeExpired, page.after ?? null, page.limit + 1],
    );
  }

  // ---- members ---------------------------------------------------------------------------

  /** The live membership of a user in a live organization, or undefined. */
  async getLive(organizationId: number, userId: number): Promise<JoinedMembership | undefined> {
    const rows = await this.sql.read<JoinedMembershipRow>(
      `${JOINED_SQL}
        WHERE uo.organization_id = $1 AND uo.user_id = $2 AND uo.deleted_at IS NULL AND o.deleted_at IS NULL`,
      [organizationId, userId],
    );
    return rows[0] && joined(rows[0]);
  }

  /** Locks the live membership of a user in a live organization, or undefined. */
  async lockLive(tx: Queryable, organizationId: number, userId: number): Promise<JoinedMembership | undefined> {
    const rows = await tx.query<JoinedMembershipRow>(
      `${JOINED_SQL}
        WHERE uo.organization_id = $1 AND uo.user_id = $2 AND uo.deleted_at IS NULL AND o.deleted_at IS NULL
          FOR UPDATE OF uo`,
      [organizationId, userId],
    );
    return rows[0] && joined(rows[0]);
  }

  /**
   * Changes a locked membership's grant. undefined when `ifMatch` names no current version
   * (the row is locked, so nothing else can have changed it).
   */
  async update(
    tx: Queryable,
    id: number,
    ifMatch: number[] | undefined,
    change: MembershipGrant & { professionId: number | null },
  ): Promise<Membership | undefined> {
    const rows = await tx.query<MembershipRow>(
      `UPDATE user_organizations
          SET scope = $3, permissions = $4::jsonb, profession_id = $5, role_key = $6,
              version = version + 1, updated_at = now()
        WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[]))
        RETURNING ${membershipColumns()}`,
      [id, ifMatch ?? null, change.scope, JSON.stringify(change.permissions), change.professionId, change.roleKey],
    );
    return rows[0] && rowToMembership(rows[0]);
  }

  /**
   * Soft-deletes a locked membership or invitation with its reason, and cancels its unsent
   * mails. undefined when `ifMatch` names no current version.
   */
  async end(
    tx: Queryable,
    id: number,
    ifMatch: number[] | undefined,
    reason: MembershipEndReason,
    endedBy: number,
  ): Promise<Membership | undefined> {
    const rows = await tx.query<MembershipRow>(
      `WITH m AS (
         UPDATE user_organizations uo
            SET deleted_at = now(), end_reason = $3, ended_by = $4, version = uo.version + 1, updated_at = now()
          WHERE uo.id = $1 AND ($2::int[] IS NULL OR uo.version = ANY($2::int[]))
         RETURNING ${membershipColumns('uo')}
       ), ${CANCEL_MAILS_CTE}
       SELECT m.*, (SELECT count(*) FROM cancelled)::int AS cancelled_mails FROM m`,
      [id, ifMatch ?? null, reason, endedBy],
    );
    return rows[0] && rowToMembership(rows[0]);
  }

  /**
   * An active membership, inserted only when both the user and the organization are live;
   * the partial unique index turns a concurrent or existing live membership into 23505 (or,
   * with `ifAbsent`, into nothing). undefined when nothing was inserted.
   */
  async register(
    tx: Queryable,
    userId: number,
    organizationId: number,
    grant: MembershipGrant,
    options: { ifAbsent?: boolean } = {},
  ): Promise<Membership | undefined> {
    const rows = await tx.query<MembershipRow>(
      `INSERT INTO user_organizations (user_id, organization_id, scope, permissions, status, role_key)
       SELECT u.id, o.id, $3, $4::jsonb, 'active', $5
         FROM users u CROSS JOIN organizations o
        WHERE u.id = $1 AND u.deleted_at IS NULL AND o.id = $2 AND o.deleted_at IS NULL
       ${options.ifAbsent ? 'ON CONFLICT (user_id, organization_id) WHERE deleted_at IS NULL DO NOTHING' : ''}
       RETURNING ${membershipColumns()}`,
      [userId, organizationId, grant.scope, JSON.stringify(grant.permissions), grant.roleKey],
    );
    return rows[0] && rowToMembership(rows[0]);
  }

  /** The ended membership to restore, locked: the one named, else the most recently removed. */
  async lockRestorable(
    tx: Queryable,
    userId: number,
    organizationId: number,
    membershipId: number | undefined,
  ): Promise<JoinedMembership | undefined> {
    const rows =
      membershipId === undefined
        ? await tx.query<JoinedMembershipRow>(
            `${JOINED_SQL}
              WHERE uo.user_id = $1 AND uo.organization_id = $2 AND uo.deleted_at IS NOT NULL
              ORDER BY uo.deleted_at DESC, uo.id DESC
              LIMIT 1
                FOR UPDATE OF uo`,
            [userId, organizationId],
          )
        : await tx.query<JoinedMembershipRow>(
            `${JOINED_SQL} WHERE uo.user_id = $1 AND uo.organization_id = $2 AND uo.id = $3 FOR UPDATE OF uo`,
            [userId, organizationId, membershipId],
          );
    return rows[0] && joined(rows[0]);
  }

  /** Brings an ended membership back with the given grant (23505 when another is live). */
  async restore(tx: Queryable, id: number, grant: MembershipGrant): Promise<Membership> {
    const rows = await tx.query<MembershipRow>(
      `UPDATE user_organizations
          SET deleted_at = NULL, end_reason = NULL, ended_by = NULL,
              scope = $2, permissions = $3::jsonb, role_key = $4, version = version + 1, updated_at = now()
        WHERE id = $1
        RETURNING ${membershipColumns()}`,
      [id, grant.scope, JSON.stringify(grant.permissions), grant.roleKey],
    );
    return rowToMembership(rows[0]);
  }

  /**
   * What the organization's limits and allowed domains say of the user taking `seats` more
   * seats and `pending` more pending invitations there, inside `tx`. A limited organization
   * stays locked until `tx` ends, so the write that follows in `tx` is counted by the next
   * one. undefined for an unknown organization or user.
   */
  async policyVerdict(
    tx: Queryable,
    organizationId: number,
    userId: number,
    adding: { seats: number; pending: number },
  ): Promise<PolicyVerdict | undefined> {
    const rows = await tx.query<{ seats_free: boolean; pending_free: boolean; domain_allowed: boolean }>(
      `WITH limits AS (${organizationLimitsSql('$1::bigint')})
       SELECT ${seatsFreeSql('l', '$3::int')} AS seats_free, ${pendingFreeSql('l', '$4::int')} AS pending_free,
              ${emailDomainAllowedSql('l', 'u.email')} AS domain_allowed
         FROM limits l
         JOIN users u ON u.id = $2::bigint`,
      [organizationId, userId, adding.seats, adding.pending],
    );
    return rows[0] && verdictOf(rows[0]);
  }

  /** Whether the user and the organization exist and are live (each null when it never existed). */
  async liveness(
    q: Queryable,
    userId: number | null,
    organizationId: number | null,
  ): Promise<{ user: boolean | null; organization: boolean | null }> {
    const rows = await q.query<{ user_live: boolean | null; organization_live: boolean | null }>(
      `SELECT (SELECT deleted_at IS NULL FROM users WHERE id = $1) AS user_live,
              (SELECT deleted_at IS NULL FROM organizations WHERE id = $2) AS organization_live`,
      [userId, organizationId],
    );
    return { user: rows[0].user_live, organization: rows[0].organization_live };
  }

  /**
   * One page of the user's own live memberships and pending invitations in live
   * organizations, by membership id (keyset on the user's rows).
   */
  async organizationsOf(
    userId: number,
    page: { after?: number; limit: number },
  ): Promise<{ items: JoinedMembership[]; nextCursor: string | null }> {
    const rows = await this.sql.read<JoinedMembershipRow>(
      `${JOINED_SQL}
        WHERE uo.user_id = $1 AND uo.deleted_at IS NULL AND o.deleted_at IS NULL
          AND ($2::bigint IS NULL OR uo.id > $2::bigint)
        ORDER BY uo.id
        LIMIT $3`,
      [userId, page.after ?? null, page.limit + 1],
    );
    const result = pageOf(
      rows.map((row) => ({ id: Number(row.id), row })),
      page.limit,
    );
    return { items: result.items.map(({ row }) => joined(row)), nextCursor: result.nextCursor };
  }

  /** One page of an organization's or a user's memberships, oldest first. */
  async list(
    owner: MembershipOwner,
    query: MembershipListQuery,
  ): Promise<{ items: ListedMembership[]; nextCursor: string | null }> {
    const after = decodeCursor(query.cursor);
    const params: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const ownerColumn = 'organizationId' in owner ? 'organization_id' : 'user_id';
    const ownerParam = param('organizationId' in owner ? owner.organizationId : owner.userId);
    where.push(`uo.${ownerColumn} = ${ownerParam}`, 'o.deleted_at IS NULL');
    if (!query.includeDeleted) {
      where.push('uo.deleted_at IS NULL');
    }
    if (query.status !== undefined) {
      where.push(`uo.status = ${param(query.status)}`);
    }
    if (query.scope !== undefined) {
      where.push(`uo.scope = ${param(query.scope)}`);
    }
    if (query.state !== undefined) {
      where.push(
        `uo.status = 'invited' AND uo.deleted_at IS NULL AND uo.invitation_expires_at ${query.state === 'expired' ? '<=' : '>'} now()`,
      );
    }
    if (query.invitedBy !== undefined) {
      where.push(`uo.invited_by = ${param(query.invitedBy)}`);
    }
    if (query.email !== undefined) {
      where.push(`lower(u.email) LIKE ${param(`${escapeLike(query.email.toLowerCase())}%`)} ESCAPE '\\'`);
    }
    // Without a cursor, the keyset starts at the owner's first row (min(id) from the (owner, id)
    // index). Left unbounded, PostgreSQL walks the primary key from the start of the table for a
    // large owner, past every older row of everybody else.
    where.push(
      after !== undefined
        ? `uo.id > ${param(after)}`
        : `uo.id >= (SELECT min(earliest.id) FROM user_organizations earliest WHERE earliest.${ownerColumn} = ${ownerParam})`,
    );
    const rows = await this.sql.read<JoinedMembershipRow & { expired: boolean }>(
      `${LIST_SQL}
        WHERE ${where.join(' AND ')}
        ORDER BY uo.id
        LIMIT ${param(query.limit + 1)}`,
      params,
    );
    const page = pageOf(
      rows.map((row) => ({ id: Number(row.id), row })),
      query.limit,
    );
    return {
      items: page.items.map(({ row }) => ({ ...joined(row), expired: row.expired })),
      nextCursor: page.nextCursor,
    };
  }
}
