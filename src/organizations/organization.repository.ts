import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/sql.js';

/** An organization row as the routes show it. */
export interface OrganizationRecord {
  id: number;
  name: string;
  maxMembers: number | null;
  maxPendingInvitations: number | null;
  allowedEmailDomains: string[] | null;
  deletedAt: Date | null;
  updatedAt: Date;
  createdAt: Date;
}

interface OrganizationRow {
  id: string | number;
  name: string;
  max_members: number | null;
  max_pending_invitations: number | null;
  allowed_email_domains: string[] | null;
  deleted_at: Date | string | null;
  updated_at: Date | string;
  created_at: Date | string;
}

const COLUMNS =
  'id, name, max_members, max_pending_invitations, allowed_email_domains, deleted_at, updated_at, created_at';

const toRecord = (row: OrganizationRow): OrganizationRecord => ({
  id: Number(row.id),
  name: row.name,
  maxMembers: row.max_members,
  maxPendingInvitations: row.max_pending_invitations,
  allowedEmailDomains: row.allowed_email_domains,
  deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
  updatedAt: new Date(row.updated_at),
  createdAt: new Date(row.created_at),
});

/** The statements on `organizations` itself (its memberships are MembershipRepository's). */
@Injectable()
export class OrganizationRepository {
  async create(tx: Queryable, name: string): Promise<OrganizationRecord> {
    const rows = await tx.query<OrganizationRow>(`INSERT INTO organizations (name) VALUES ($1) RETURNING ${COLUMNS}`, [
      name,
    ]);
    return toRecord(rows[0]);
  }

  /** Locks the organization row (live or not); undefined when it never existed. */
  async lock(tx: Queryable, id: number): Promise<OrganizationRecord | undefined> {
    const rows = await tx.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async get(q: Queryable, id: number): Promise<OrganizationRecord | undefined> {
    const rows = await q.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async update(
    tx: Queryable,
    id: number,
    change: {
      name?: string;
      deleted?: boolean;
      maxMembers?: number | null;
      maxPendingInvitations?: number | null;
      allowedEmailDomains?: string[] | null;
    },
  ): Promise<OrganizationRecord> {
    const rows = await tx.query<OrganizationRow>(
      `UPDATE organizations
          SET name = CASE WHEN $2::boolean THEN $3::varchar ELSE name END,
              deleted_at = CASE WHEN $4::boolean IS NULL THEN deleted_at WHEN $4::boolean THEN now() ELSE NULL END,
              max_members = CASE WHEN $5::boolean THEN $6::int ELSE max_members END,
              max_pending_invitations = CASE WHEN $7::boolean THEN $8::int ELSE max_pending_invitations END,
              allowed_email_domains = CASE WHEN $9::boolean THEN $10::text[] ELSE allowed_email_domains END,
              updated_at = now()
        WHERE id = $1
        RETURNING ${COLUMNS}`,
      [
        id,
        change.name !== undefined,
        change.name ?? null,
        change.deleted ?? null,
        change.maxMembers !== undefined,
        change.maxMembers ?? null,
        change.maxPendingInvitations !== undefined,
        change.maxPendingInvitations ?? null,
        change.allowedEmailDomains !== undefined,
        change.allowedEmailDomains ?? null,
      ],
    );
    return toRecord(rows[0]);
  }
}
