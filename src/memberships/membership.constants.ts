/** Role of the user in the organization. */
export enum Scope {
  ADMIN = 1,
  MEMBER = 2,
}
export const SCOPES = [Scope.ADMIN, Scope.MEMBER] as const;

export const MEMBERSHIP_STATUSES = ['invited', 'active'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

/** Why a membership row stopped being live (kept as history beside `deleted_at`). */
export const MEMBERSHIP_END_REASONS = [
  'removed',
  'left',
  'revoked',
  'declined',
  'expired',
  // its inviter stopped being an active ADMIN of the organization
  'inviter_lost_access',
] as const;
export type MembershipEndReason = (typeof MEMBERSHIP_END_REASONS)[number];

export interface Permissions {
  group: number;
  read: number[];
  manage: number[];
}

export const DEFAULT_PERMISSIONS: Permissions = { group: 0, read: [], manage: [] };

/** Exactly the three fields, whatever object carried them. */
export function normalizePermissions(p: Permissions): Permissions {
  return { group: p.group, read: [...p.read], manage: [...p.manage] };
}
