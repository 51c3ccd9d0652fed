import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

/** Server codes of a connection the server ended: restart, failover, pg_terminate_backend. */
const ENDED_BY_SERVER = new Set(['57P01', '57P02', '08003', '08006']);
const BROKEN_SOCKET = new Set(['ECONNRESET', 'EPIPE']);
/**
 * Before each retry: long enough for the server's other dying backends to close, short beside
 * a request. A backend ends when it is next scheduled, so on a loaded two-core machine a retry
 * can still meet one (once in ~2,000 reads of the reliability suite's 57P01 run, with one
 * retry after 25 ms); each such failure takes that connection out of the pool.
 */
const RETRY_DELAYS_MS = [25, 100];
const BROKEN_MESSAGES = ['Connection terminated', 'Client has encountered a connection error and is not queryable'];

/**
 * The connection under a statement broke (the server ended it, or its socket reset): another
 * connection may well work at once. Timeouts and refused connections are not in it: retrying
 * those would only double the time to answer 503 while the database is away.
 */
export function isBrokenConnection(error: unknown): boolean {
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : '';
  return (
    (typeof code === 'string' && (ENDED_BY_SERVER.has(code) || BROKEN_SOCKET.has(code))) ||
    BROKEN_MESSAGES.some((m) => message.startsWith(m))
  );
}

/**
 * Runs a read, and again when its connection broke under it (at most twice more): after a
 * database restart or failover each pooled connection fails once (57P01, PITFALLS: database),
 * and a retry may draw another of them. Only for reads, which are safe to repeat; writes are
 * never retried here (a client retries them behind an Idempotency-Key).
 */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
  for (const delayMs of RETRY_DELAYS_MS) {
    try {
      return await read();
    } catch (error) {
      if (!isBrokenConnection(error)) {
        throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  return read();
}

/**
 * A read statement, retried on a broken connection unless it runs inside a transaction
 * (whose connection is gone with it: the transaction as a whole fails instead).
 */
export function queryForRead<T>(on: DataSource | EntityManager, sql: string, params: unknown[]): Promise<T> {
  const inTransaction = 'queryRunner' in on && on.queryRunner !== undefined;
  const run = () => on.query<T>(sql, params);
  return inTransaction ? run() : retryRead(run);
}
