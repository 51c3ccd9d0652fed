import {
  Check,
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const USER_STATUSES = ['active', 'invited'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

@Entity({ name: 'users' })
@Check('ck_users_status', `"status" IN ('active', 'invited')`)
// ASCII only (one byte per character): the same address in another case is the same person,
// compared after ASCII lower-casing, never under a locale's or Unicode's case rules.
@Check('ck_users_email_ascii', `octet_length("email") = char_length("email")`)
// unique on lower(email) among live rows: an expression index TypeORM cannot describe,
// created by hand in the migration (synchronize: false keeps the drift check quiet).
@Index('uq_users_email_live', { synchronize: false })
export class User {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ type: 'varchar', length: 250 })
  email!: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: UserStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}
