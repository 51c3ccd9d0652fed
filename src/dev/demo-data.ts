import type { DataSource } from 'typeorm';
import { Sql } from '../database/sql.js';
import { Scope, type Permissions } from '../memberships/membership.constants.js';
import { MembershipRepository } from '../memberships/membership.repository.js';

export interface DemoData {
  organizationId: number;
  adminId: number;
  memberId: number;
  backofficeId: number;
  created: boolean;
}

const DEMO_ORGANIZATION = 'Demo Organization';
const ADMIN_EMAIL = 'admin@demo.example';
const MEMBER_EMAIL = 'member@demo.example';
const BACKOFFICE_EMAIL = 'backoffice@demo.example';

/** An organization, an ADMIN, a MEMBER and a backoffice user, for trying the API by hand. Idempotent. */
export async function seedDemoData(dataSource: DataSource): Promise<DemoData> {
  const sql = new Sql(dataSource);
  const memberships = new MembershipRepository(sql);
  return sql.transaction(async (m) => {
    const existing = await m.query<{ id: number }>(
      `SELECT id FROM organizations WHERE name = $1 AND deleted_at IS NULL ORDER BY id LIMIT 1`,
      [DEMO_ORGANIZATION],
    );
    const user = async (email: string): Promise<number> => {
      const rows = await m.query<{ id: number }>(
        `INSERT INTO users (email, status) VALUES ($1, 'active')
         ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO UPDATE SET email = users.email
         RETURNING id`,
        [email],
      );
      return Number(rows[0].id);
    };
    const adminId = await user(ADMIN_EMAIL);
    const memberId = await user(MEMBER_EMAIL);
    const backofficeId = await user(BACKOFFICE_EMAIL);
    let organizationId: number;
    if (existing.length > 0) {
      organizationId = Number(existing[0].id);
    } else {
      const rows = await m.query<{ id: number }>(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, [
        DEMO_ORGANIZATION,
      ]);
      organizationId = Number(rows[0].id);
    }
    const member = (userId: number, scope: Scope, permissions: Permissions) =>
      memberships.register(m, userId, organizationId, { scope, permissions, roleKey: null }, { ifAbsent: true });
    await member(adminId, Scope.ADMIN, { group: 0, read: [1, 2, 3], manage: [1, 2, 3] });
    await member(memberId, Scope.MEMBER, { group: 0, read: [1], manage: [] });
    return { organizationId, adminId, memberId, backofficeId, created: existing.length === 0 };
  });
}
