import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { UserOrganization } from '../memberships/user-organization.entity.js';

/** `cancelled`: the invitation changed (resent, accepted, declined, revoked) before the mail went out. */
export const MAIL_STATUSES = ['pending', 'sent', 'failed', 'cancelled'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/**
 * Transactional outbox: an email is written here in the same transaction as the change
 * that causes it, and a worker delivers it (FOR UPDATE SKIP LOCKED, so several
 * instances can run workers at once).
 */
@Entity({ name: 'mail_outbox' })
@Check('ck_mail_outbox_status', `"status" IN ('pending', 'sent', 'failed', 'cancelled')`)
@Index('ix_mail_outbox_due', ['nextAttemptAt'], { where: `"status" = 'pending'` })
@Index('ix_mail_outbox_membership', ['membershipId', 'id'])
@Index('uq_mail_outbox_public_id', ['publicId'], { unique: true })
export class MailOutbox {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: number;

  /**
   * The row's identity as the sealed secret knows it: chosen by the writer (a random UUID)
   * before the insert, since the secret is sealed before the row (and its id) exists. Rows
   * without a secret may leave it to the default.
   */
  // The database default is gen_random_uuid() (see the migration): TypeORM reads that as a
  // generated uuid column, so that is how the entity says it.
  @Column({ name: 'public_id', type: 'uuid' })
  @Generated('uuid')
  publicId!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  @Column({ name: 'membership_id', type: 'bigint', nullable: true })
  membershipId!: number | null;

  @ManyToOne(() => UserOrganization, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'membership_id', foreignKeyConstraintName: 'fk_mail_outbox_membership' })
  membership?: Relation<UserOrganization>;

  @Column({ type: 'varchar', length: 250 })
  recipient!: string;

  @Column({ type: 'varchar', length: 300 })
  subject!: string;

  /**
   * Rendered bodies, for mails rendered when written. Invitation mails leave them null: they
   * are rendered at send time from `payload` and `secret`, so no accept link is ever stored.
   */
  @Column({ name: 'body_text', type: 'text', nullable: true })
  bodyText!: string | null;

  @Column({ name: 'body_html', type: 'text', nullable: true })
  bodyHtml!: string | null;

  /** What the template needs besides the secret (organization name, inviter, expiry). */
  @Column({ type: 'jsonb', nullable: true })
  payload!: Record<string, unknown> | null;

  /**
   * A secret the mail carries (the invitation token), AES-256-GCM-encrypted under
   * MAIL_SECRET_KEY and bound to `public_id` and `recipient` (MailSecretBox). Cleared as soon as the mail is sent, fails for good or is cancelled.
   */
  @Column({ type: 'text', nullable: true })
  secret!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: MailStatus;

  /** Counted when a worker claims the mail, so a crash mid-send still counts. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** When the mail is next due; a claim pushes it forward by the lease (MAIL_LEASE_MS). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
