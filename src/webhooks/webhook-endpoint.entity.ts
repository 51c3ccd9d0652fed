import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A receiver of signed event deliveries. `secret` and `previous_secret` are sealed (see
 * WebhookSecretBox): the service must sign with them, so they cannot be hashed; the previous
 * secret still signs until `previous_secret_expires_at`, so a receiver can switch without
 * missing a delivery.
 */
@Entity({ name: 'webhook_endpoints' })
@Index('ix_webhook_endpoints_organization', ['organizationId'])
export class WebhookEndpoint {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** Event types, or `*` for all of them. */
  @Column({ type: 'text', array: true })
  events!: string[];

  /** Only events of this organization; null: every organization's. */
  @Column({ name: 'organization_id', type: 'bigint', nullable: true })
  organizationId!: number | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 300, nullable: true })
  disabledReason!: string | null;

  @Column({ type: 'text' })
  secret!: string;

  @Column({ name: 'previous_secret', type: 'text', nullable: true })
  previousSecret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
