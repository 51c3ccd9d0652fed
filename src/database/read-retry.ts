import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

/** Server codes of a connection the server ended: restart, failover, pg_terminate_backend. */
const ENDED_BY_SERVER = new Set(['57P01', '57P02', '08003', '08006']);
const BROKEN_SOCKET = new Set(['ECONNRESET', 'EPIPE']);
/** Long enough for the server's other dying backends to close, short beside a request. */
const RETRY_DELAY_MS = 25;
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
 * Runs a read, and once more when its connection broke under it: after a database restart or
 * failover each pooled connection fails once (57P01, PITFALLS: database). Only for reads, which
 * are safe to repeat; writes are never retried here (a client retries them behind an
 * Idempotency-Key).
 */
export async function retryReadOnce<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isBrokenConnection(error)) {
      throw error;
    }
    // a moment for the pool to see the other connections the server is ending (a restart
    // ends them all, each backend a little after the other), so the retry does not pick one
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    return read();
  }
}

/**
 * A read statement, retried once on a broken connection unless it runs inside a transaction
 * (whose connection is gone with it: the transaction as a whole fails instead).
 */
export function queryForRead<T>(on: DataSource | EntityManager, sql: string, params: unknown[]): Promise<T> {
  const inTransaction = 'queryRunner' in on && on.queryRunner !== undefined;
  const run = () => on.query<T>(sql, params);
  return inTransaction ? run() : retryReadOnce(run);
}
