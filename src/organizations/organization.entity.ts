import {
  Check,
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity({ name: 'organizations' })
@Check('ck_organizations_max_members', `"max_members" IS NULL OR "max_members" >= 0`)
@Check(
  'ck_organizations_max_pending_invitations',
  `"max_pending_invitations" IS NULL OR "max_pending_invitations" >= 0`,
)
export class Organization {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** Active members plus pending invitations never exceed it; null: no limit. */
  @Column({ name: 'max_members', type: 'integer', nullable: true })
  maxMembers!: number | null;

  /** Pending invitations never exceed it; null: no limit. */
  @Column({ name: 'max_pending_invitations', type: 'integer', nullable: true })
  maxPendingInvitations!: number | null;

  /** Lower-case host names an invitee's address must end in; null: any. */
  @Column({ name: 'allowed_email_domains', type: 'text', array: true, nullable: true })
  allowedEmailDomains!: string[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}
