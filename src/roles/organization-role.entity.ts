import {
  Check,
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { Permissions, Scope } from '../memberships/membership.constants.js';
import { Organization } from '../organizations/organization.entity.js';

/**
 * A custom role of an organization: a named preset of scope and permissions that invites,
 * registrations and member changes copy into the membership. The built-in `admin` and
 * `member` roles are not rows (see role-presets.ts); a deleted role stays as history.
 */
@Entity({ name: 'organization_roles' })
@Check('ck_organization_roles_key', `"key" ~ '^[a-z0-9-]{1,40}$' AND "key" NOT IN ('admin', 'member')`)
@Check('ck_organization_roles_scope', `"scope" IN (1, 2)`)
// One live role per key in an organization; a deleted key may be used again.
@Index('uq_organization_roles_live_key', ['organizationId', 'key'], { unique: true, where: '"deleted_at" IS NULL' })
export class OrganizationRole {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ name: 'organization_id', type: 'bigint' })
  organizationId!: number;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_organization_roles_organization' })
  organization?: Relation<Organization>;

  @Column({ type: 'varchar', length: 40 })
  key!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'smallint' })
  scope!: Scope;

  @Column({ type: 'jsonb' })
  permissions!: Permissions;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}
