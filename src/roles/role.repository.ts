import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/sql.js';
import type { Permissions, Scope } from '../memberships/membership.constants.js';

/** A custom role row as the code uses it. */
export interface RoleRecord {
  key: string;
  name: string;
  scope: Scope;
  permissions: Permissions;
}

interface RoleRow {
  key: string;
  name: string;
  scope: number;
  permissions: Permissions;
}

const COLUMNS = 'key, name, scope, permissions';

const toRecord = (row: RoleRow): RoleRecord => ({
  key: row.key,
  name: row.name,
  scope: row.scope,
  permissions: row.permissions,
});

/** Every statement on `organization_roles` (live rows only: a deleted role stays as history). */
@Injectable()
export class RoleRepository {
  async list(q: Queryable, organizationId: number): Promise<RoleRecord[]> {
    const rows = await q.query<RoleRow>(
      `SELECT ${COLUMNS} FROM organization_roles
        WHERE organization_id = $1 AND deleted_at IS NULL
        ORDER BY key`,
      [organizationId],
    );
    return rows.map(toRecord);
  }

  async get(q: Queryable, organizationId: number, key: string, lock = false): Promise<RoleRecord | undefined> {
    const rows = await q.query<RoleRow>(
      `SELECT ${COLUMNS} FROM organization_roles
        WHERE organization_id = $1 AND key = $2 AND deleted_at IS NULL
        ${lock ? 'FOR UPDATE' : ''}`,
      [organizationId, key],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async countLive(tx: Queryable, organizationId: number): Promise<number> {
    const rows = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM organization_roles WHERE organization_id = $1 AND deleted_at IS NULL`,
      [organizationId],
    );
    return rows[0].n;
  }

  /** Inserts a live role; a live role with the same key makes it fail with 23505. */
  async insert(tx: Queryable, organizationId: number, role: RoleRecord): Promise<RoleRecord> {
    const rows = await tx.query<RoleRow>(
      `INSERT INTO organization_roles (organization_id, key, name, scope, permissions)
       VALUES ($1, $2, $3, $4, $5::jsonb)
       RETURNING ${COLUMNS}`,
      [organizationId, role.key, role.name, role.scope, JSON.stringify(role.permissions)],
    );
    return toRecord(rows[0]);
  }

  async update(tx: Queryable, organizationId: number, role: RoleRecord): Promise<RoleRecord> {
    const rows = await tx.query<RoleRow>(
      `UPDATE organization_roles
          SET name = $3, scope = $4, permissions = $5::jsonb, updated_at = now()
        WHERE organization_id = $1 AND key = $2 AND deleted_at IS NULL
        RETURNING ${COLUMNS}`,
      [organizationId, role.key, role.name, role.scope, JSON.stringify(role.permissions)],
    );
    return toRecord(rows[0]);
  }

  async softDelete(tx: Queryable, organizationId: number, key: string): Promise<void> {
    await tx.query(
      `UPDATE organization_roles SET deleted_at = now(), updated_at = now()
        WHERE organization_id = $1 AND key = $2 AND deleted_at IS NULL`,
      [organizationId, key],
    );
  }
}
