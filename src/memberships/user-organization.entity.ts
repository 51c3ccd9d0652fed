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
  VersionColumn,
  type Relation,
} from 'typeorm';
import { Organization } from '../organizations/organization.entity.js';
import { User } from '../users/user.entity.js';
import type { MembershipEndReason, MembershipStatus, Permissions, Scope } from './membership.constants.js';

/** A membership; an invitation is a membership with status `invited`. */
@Entity({ name: 'user_organizations' })
@Check('ck_user_organizations_scope', `"scope" IN (1, 2)`)
@Check('ck_user_organizations_status', `"status" IN ('invited', 'active')`)
@Check(
  'ck_user_organizations_end_reason',
  `"end_reason" IS NULL OR "end_reason" IN ('removed', 'left', 'revoked', 'declined', 'expired', 'inviter_lost_access')`,
)
// At most one live membership per (user, organization); soft-deleted rows stay as history.
@Index('uq_user_organizations_live', ['userId', 'organizationId'], {
  unique: true,
  where: '"deleted_at" IS NULL',
})
@Index('ix_user_organizations_org_live', ['organizationId', 'id'], { where: '"deleted_at" IS NULL' })
@Index('ix_user_organizations_org_all', ['organizationId', 'id'])
@Index('ix_user_organizations_user', ['userId', 'id'])
@Index('uq_user_organizations_invitation_token', ['invitationTokenHash'], {
  unique: true,
  where: '"invitation_token_hash" IS NOT NULL',
})
export class UserOrganization {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ name: 'user_id', type: 'bigint' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_user_organizations_user' })
  user?: Relation<User>;

  @Column({ name: 'organization_id', type: 'bigint' })
  organizationId!: number;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_user_organizations_organization' })
  organization?: Relation<Organization>;

  @Column({ type: 'smallint' })
  scope!: Scope;

  @Column({ type: 'jsonb' })
  permissions!: Permissions;

  @Column({ name: 'profession_id', type: 'bigint', nullable: true })
  professionId!: number | null;

  @Column({ type: 'varchar', length: 16 })
  status!: MembershipStatus;

  @Column({ name: 'invited_by', type: 'bigint', nullable: true })
  invitedBy!: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'invited_by', foreignKeyConstraintName: 'fk_user_organizations_invited_by' })
  inviter?: Relation<User>;

  /** SHA-256 (hex) of the invitation token; the token itself is never stored. */
  @Column({ name: 'invitation_token_hash', type: 'varchar', length: 64, nullable: true })
  invitationTokenHash!: string | null;

  @Column({ name: 'invitation_expires_at', type: 'timestamptz', nullable: true })
  invitationExpiresAt!: Date | null;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt!: Date | null;

  /** The role the grant was copied from; null for a grant given as scope and permissions. */
  @Column({ name: 'role_key', type: 'varchar', length: 40, nullable: true })
  roleKey!: string | null;

  @Column({ name: 'end_reason', type: 'varchar', length: 32, nullable: true })
  endReason!: MembershipEndReason | null;

  @Column({ name: 'ended_by', type: 'bigint', nullable: true })
  endedBy!: number | null;

  /** Incremented on every update; exposed as the ETag for optimistic concurrency. */
  @VersionColumn({ type: 'integer', default: 1 })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}
