import type { MembershipDataDto } from './dto/membership-data.dto.js';
import type { UserOrganization } from './user-organization.entity.js';

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

/** Entity → the seed's `data` shape. Entities never leave the services. */
export function toMembershipData(row: UserOrganization): MembershipDataDto {
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
export function membershipSnapshot(row: UserOrganization): Record<string, unknown> {
  return {
    scope: row.scope,
    permissions: row.permissions,
    professionId: row.professionId === null ? null : Number(row.professionId),
    status: row.status,
    deletedAt: row.deletedAt ? new Date(row.deletedAt).toISOString() : null,
  };
}
