import type { UserOrganization } from './user-organization.entity.js';

/** A membership as the services see it: the entity's fields, never its relations or token hash. */
export type Membership = Omit<UserOrganization, 'user' | 'organization' | 'inviter' | 'invitationTokenHash'>;

/**
 * The columns every membership statement selects or returns (never the invitation token
 * hash), and the snake_case row they come back as. Statements are raw SQL so that
 * conflicts, locks and version checks happen in the statements themselves.
 */
export const MEMBERSHIP_COLUMNS = [
  'id',
  'user_id',
  'organization_id',
  'scope',
  'permissions',
  'profession_id',
  'status',
  'invited_by',
  'invitation_expires_at',
  'accepted_at',
  'end_reason',
  'ended_by',
  'role_key',
  'version',
  'created_at',
  'updated_at',
  'deleted_at',
] as const;

/** `uo.id, uo.user_id, ...` for a statement that aliases user_organizations. */
export const membershipColumns = (alias?: string): string =>
  MEMBERSHIP_COLUMNS.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');

export interface MembershipRow {
  id: number | string;
  user_id: number | string;
  organization_id: number | string;
  scope: number;
  permissions: UserOrganization['permissions'];
  profession_id: number | string | null;
  status: UserOrganization['status'];
  invited_by: number | string | null;
  invitation_expires_at: Date | string | null;
  accepted_at: Date | string | null;
  end_reason: UserOrganization['endReason'];
  ended_by: number | string | null;
  role_key?: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
}

/** A membership row with the member's email and the organization's name joined. */
export interface JoinedMembershipRow extends MembershipRow {
  email: string;
  organization_name: string;
}

const num = (v: number | string) => Number(v);
const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));
const dateOrNull = (v: Date | string | null) => (v === null ? null : new Date(v));

/** The one mapper from a row to a {@link Membership} (`bigint`s come back from pg as strings). */
export function rowToMembership(row: MembershipRow): Membership {
  return {
    id: num(row.id),
    userId: num(row.user_id),
    organizationId: num(row.organization_id),
    scope: row.scope,
    permissions: row.permissions,
    professionId: numOrNull(row.profession_id),
    status: row.status,
    invitedBy: numOrNull(row.invited_by),
    invitationExpiresAt: dateOrNull(row.invitation_expires_at),
    acceptedAt: dateOrNull(row.accepted_at),
    endReason: row.end_reason,
    endedBy: numOrNull(row.ended_by),
    roleKey: row.role_key ?? null,
    version: Number(row.version),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    deletedAt: dateOrNull(row.deleted_at),
  };
}

/** The partial unique index that allows one live membership per (user, organization). */
export const LIVE_MEMBERSHIP_INDEX = 'uq_user_organizations_live';
