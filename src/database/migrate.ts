import { MigrationExecutor, type DataSource, type Migration } from 'typeorm';

/** Arbitrary but fixed: every instance of this service takes the same advisory lock. */
const MIGRATION_LOCK_KEY = 7_230_418_112;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so several instances starting
 * together apply each migration once: the first applies them, the others wait for its commit
 * and then find nothing pending.
 *
 * The lock is a transaction-level one (`pg_advisory_xact_lock`), taken in the transaction
 * that runs all the pending migrations, and released by its commit or rollback. A session-level
 * lock (`pg_advisory_lock` … `pg_advisory_unlock`) breaks behind a pooler in transaction mode
 * (PgBouncer): each statement outside a transaction may run on another server connection, so
 * the unlock missed the connection holding the lock, which went back to the pool still holding
 * it, and the next instance to start waited on it until its query timeout and failed to start.
 *
 * One connection for the lock and the migrations also keeps the embedded database (a pool of
 * one) from waiting on itself. A migration cannot opt out of the transaction
 * (`transaction = false`, for CREATE INDEX CONCURRENTLY say): TypeORM refuses it here; run
 * such a migration by hand, with `npm run migration:run`.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    await queryRunner.startTransaction();
    try {
      await queryRunner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const executor = new MigrationExecutor(dataSource, queryRunner);
      // the transaction is ours: the executor runs every pending migration inside it
      executor.transaction = 'all';
      const applied = await executor.executePendingMigrations();
      await queryRunner.commitTransaction();
      return applied;
    } catch (error) {
      if (queryRunner.isTransactionActive) {
        await queryRunner.rollbackTransaction().catch(() => undefined);
      }
      throw error;
    }
  } finally {
    await queryRunner.release();
  }
}
