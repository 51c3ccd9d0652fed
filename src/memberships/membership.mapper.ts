import type { MembershipDataDto } from './dto/membership-data.dto.js';
import type { MemberDto } from './dto/member.dto.js';
import type { Membership } from './membership-row.js';

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

/** Entity → the seed's `data` shape. Entities never leave the services. */
export function toMembershipData(row: Membership): MembershipDataDto {
  return {
    userId: Number(row.userId),
    organizationId: Number(row.organizationId),
    scope: row.scope,
    permissions: { group: row.permissions.group, read: row.permissions.read, manage: row.permissions.manage },
    professionId: row.professionId === null ? null : Number(row.professionId),
    status: row.status,
    deletedAt: row.deletedAt ? iso(row.deletedAt) : null,
    updatedAt: iso(row.updatedAt),
    createdAt: iso(row.createdAt),
  };
}

/** What the audit trail keeps of a membership before and after a change. */
export function membershipSnapshot(row: Membership): Record<string, unknown> {
  return {
    scope: row.scope,
    permissions: row.permissions,
    roleKey: row.roleKey,
    professionId: row.professionId === null ? null : Number(row.professionId),
    status: row.status,
    deletedAt: row.deletedAt ? new Date(row.deletedAt).toISOString() : null,
  };
}

/** Entity → what the management routes show (the seed fields, plus id, email, version...). */
export function toMemberData(row: Membership, joined: { email: string; organizationName: string }): MemberDto {
  const seed = toMembershipData(row);
  return {
    id: Number(row.id),
    userId: seed.userId,
    organizationId: seed.organizationId,
    email: joined.email,
    organizationName: joined.organizationName,
    scope: seed.scope,
    permissions: seed.permissions,
    professionId: seed.professionId,
    status: seed.status,
    invitedBy: row.invitedBy === null ? null : Number(row.invitedBy),
    invitationExpiresAt: row.invitationExpiresAt ? iso(row.invitationExpiresAt) : null,
    endReason: row.endReason,
    endedBy: row.endedBy === null ? null : Number(row.endedBy),
    roleKey: row.roleKey,
    version: Number(row.version),
    deletedAt: seed.deletedAt,
    updatedAt: seed.updatedAt,
    createdAt: seed.createdAt,
  };
}

/** What the audit trail keeps of an invitation: the membership snapshot and its expiry. */
export function invitationSnapshot(row: Membership): Record<string, unknown> {
  return {
    ...membershipSnapshot(row),
    invitedBy: row.invitedBy,
    invitationExpiresAt: row.invitationExpiresAt ? row.invitationExpiresAt.toISOString() : null,
    acceptedAt: row.acceptedAt ? row.acceptedAt.toISOString() : null,
  };
}
