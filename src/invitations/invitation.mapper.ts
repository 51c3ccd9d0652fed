import type { MailStatus } from '../mail/mail-outbox.entity.js';
import type { MembershipEndReason, MembershipStatus, Permissions, Scope } from '../memberships/membership.constants.js';
import type { UserOrganization } from '../memberships/user-organization.entity.js';
import type { InvitationDto, InvitationState } from './dto/invitation.dto.js';

/** A user_organizations row as the invitation SQL returns it (never the token hash). */
export type MembershipRow = Pick<
  UserOrganization,
  | 'id'
  | 'userId'
  | 'organizationId'
  | 'scope'
  | 'permissions'
  | 'professionId'
  | 'status'
  | 'invitedBy'
  | 'invitationExpiresAt'
  | 'acceptedAt'
  | 'endReason'
  | 'endedBy'
  | 'version'
  | 'createdAt'
  | 'updatedAt'
  | 'deletedAt'
>;

/** The columns of {@link MembershipRow}, for SELECT and RETURNING lists. */
export function membershipColumns(alias: string): string {
  const a = `${alias}.`;
  return [
    `${a}id`,
    `${a}user_id AS "userId"`,
    `${a}organization_id AS "organizationId"`,
    `${a}scope`,
    `${a}permissions`,
    `${a}profession_id AS "professionId"`,
    `${a}status`,
    `${a}invited_by AS "invitedBy"`,
    `${a}invitation_expires_at AS "invitationExpiresAt"`,
    `${a}accepted_at AS "acceptedAt"`,
    `${a}end_reason AS "endReason"`,
    `${a}ended_by AS "endedBy"`,
    `${a}version`,
    `${a}created_at AS "createdAt"`,
    `${a}updated_at AS "updatedAt"`,
    `${a}deleted_at AS "deletedAt"`,
  ].join(', ');
}

/** The shared mapper takes the entity type; a MembershipRow has every field it reads. */
export const asMembership = (row: MembershipRow): UserOrganization => row as UserOrganization;

interface StateInput {
  status: MembershipStatus;
  deletedAt: Date | string | null;
  endReason: MembershipEndReason | null;
  acceptedAt: Date | string | null;
  invitationExpiresAt: Date | string | null;
  /** Computed by the database (`invitation_expires_at <= now()`), so one clock decides. */
  expired: boolean;
}

/** Where an invitation stands; undefined when the membership never was an invitation. */
export function invitationState(row: StateInput): InvitationState | undefined {
  if (row.invitationExpiresAt === null) {
    return undefined;
  }
  if (row.deletedAt === null) {
    if (row.status === 'invited') {
      return row.expired ? 'expired' : 'pending';
    }
    return 'accepted';
  }
  if (row.acceptedAt !== null) {
    return 'ended';
  }
  switch (row.endReason) {
    case 'declined':
    case 'revoked':
    case 'expired':
      return row.endReason;
    default:
      // An unaccepted invitation removed some other way (a member removal route): revoked.
      return 'revoked';
  }
}

/** A row of the invitation view query (snake_case, as PostgreSQL names it). */
export interface InvitationViewRow {
  id: number;
  user_id: number;
  email: string;
  organization_id: number;
  organization_name: string;
  scope: Scope;
  permissions: Permissions;
  profession_id: number | null;
  status: MembershipStatus;
  invited_by: number | null;
  inviter_email: string | null;
  invitation_expires_at: Date | null;
  accepted_at: Date | null;
  end_reason: MembershipEndReason | null;
  expired: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  mail_status: MailStatus | null;
  mail_attempts: number | null;
  mail_sent_at: Date | null;
  mail_next_attempt_at: Date | null;
  mail_last_error: string | null;
}

/** The invitation with its state and its latest email's delivery; the token hash never is. */
export const INVITATION_VIEW_SQL = `
  SELECT uo.id, uo.user_id, u.email, uo.organization_id, o.name AS organization_name, uo.scope, uo.permissions,
         uo.profession_id, uo.status, uo.invited_by, inviter.email AS inviter_email, uo.invitation_expires_at,
         uo.accepted_at, uo.end_reason, COALESCE(uo.invitation_expires_at <= now(), false) AS expired,
         uo.created_at, uo.updated_at, uo.deleted_at,
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

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function toInvitationDto(row: InvitationViewRow, options: { showMailError: boolean }): InvitationDto {
  const state =
    invitationState({
      status: row.status,
      deletedAt: row.deleted_at,
      endReason: row.end_reason,
      acceptedAt: row.accepted_at,
      invitationExpiresAt: row.invitation_expires_at,
      expired: row.expired,
    }) ?? 'accepted';
  return {
    invitationId: Number(row.id),
    userId: Number(row.user_id),
    email: row.email,
    organizationId: Number(row.organization_id),
    organizationName: row.organization_name,
    scope: row.scope,
    permissions: { group: row.permissions.group, read: row.permissions.read, manage: row.permissions.manage },
    professionId: row.profession_id === null ? null : Number(row.profession_id),
    status: row.status,
    state,
    invitedBy: row.invited_by === null ? null : Number(row.invited_by),
    inviterEmail: row.inviter_email,
    expiresAt: iso(row.invitation_expires_at),
    acceptedAt: iso(row.accepted_at),
    mail:
      row.mail_status === null
        ? null
        : {
            status: row.mail_status,
            attempts: Number(row.mail_attempts),
            sentAt: iso(row.mail_sent_at),
            nextAttemptAt: row.mail_status === 'pending' ? iso(row.mail_next_attempt_at) : null,
            lastError: options.showMailError ? row.mail_last_error : null,
          },
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    deletedAt: iso(row.deleted_at),
  };
}
