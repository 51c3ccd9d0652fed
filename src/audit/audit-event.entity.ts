import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Append-only record of every membership change. A trigger created by the migration
 * rejects UPDATE and DELETE on this table.
 */
@Entity({ name: 'audit_events' })
@Index('ix_audit_events_organization', ['organizationId', 'id'])
@Index('ix_audit_events_target_user', ['targetUserId', 'id'])
@Index('ix_audit_events_actor', ['actorUserId', 'id'])
@Index('ix_audit_events_occurred_at', ['occurredAt'])
@Index('ix_audit_events_feed', ['txId', 'id'])
export class AuditEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: number;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'actor_user_id', type: 'bigint', nullable: true })
  actorUserId!: number | null;

  /** sessionHash() of the actor's session id: the id itself, a live session handle, is never kept. */
  @Column({ name: 'actor_session_hash', type: 'varchar', length: 64, nullable: true })
  actorSessionHash!: string | null;

  @Column({ name: 'organization_id', type: 'bigint', nullable: true })
  organizationId!: number | null;

  @Column({ name: 'target_user_id', type: 'bigint', nullable: true })
  targetUserId!: number | null;

  @Column({ name: 'membership_id', type: 'bigint', nullable: true })
  membershipId!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  before!: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  after!: Record<string, unknown> | null;

  /**
   * The writing transaction's id (`pg_current_xact_id()`): the events feed reads in
   * (tx_id, id) order up to the oldest transaction still running, so a row committed late
   * is never skipped by a reader that already moved past its id (src/events).
   */
  @Column({
    name: 'tx_id',
    type: 'bigint',
    default: () => 'current_tx_id()',
    insert: false,
    select: false,
  })
  txId!: number;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;
}
