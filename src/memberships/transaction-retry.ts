import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

/** Deadlock and serialization failures: the whole transaction may run again (PITFALLS: database). */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

export function sqlStateOf(error: unknown): string | undefined {
  const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: unknown }) : undefined;
  return typeof driverError?.code === 'string' ? driverError.code : undefined;
}

export function constraintOf(error: unknown): string | undefined {
  const driverError = error instanceof QueryFailedError ? (error.driverError as { constraint?: unknown }) : undefined;
  return typeof driverError?.constraint === 'string' ? driverError.constraint : undefined;
}

/**
 * Runs `work` in a READ COMMITTED transaction, again (up to three times) when PostgreSQL
 * aborted it for a deadlock or a serialization failure; anything else propagates. The
 * work must touch the database only through `manager`: the embedded database has one
 * connection, which the transaction holds.
 */
export async function withTransactionRetry<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      const state = sqlStateOf(error);
      if (attempt >= ATTEMPTS || state === undefined || !RETRYABLE.has(state)) {
        throw error;
      }
    }
  }
}
