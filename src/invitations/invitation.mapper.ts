import type { MailStatus } from '../mail/mail-outbox.entity.js';
import type { InvitationViewRow } from '../memberships/membership.repository.js';
import { invitationState } from '../memberships/membership.rules.js';
import type { InvitationDto } from './dto/invitation.dto.js';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** A row of the invitation view → the invitation routes' answer; the token hash never is in it. */
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
            status: row.mail_status as MailStatus,
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
