import { MigrationExecutor, type DataSource, type Migration } from 'typeorm';

/** Arbitrary but fixed: every instance of this service takes the same advisory lock. */
const MIGRATION_LOCK_KEY = 7_230_418_112;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so several instances starting
 * together apply each migration once. Uses one connection for the lock and the migrations,
 * which also keeps the embedded database (a pool of one) from waiting on itself.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    await queryRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'each';
      return await executor.executePendingMigrations();
    } finally {
      await queryRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await queryRunner.release();
  }
}
