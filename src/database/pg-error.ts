import { QueryFailedError } from 'typeorm';

/** What PostgreSQL (or the pg driver) said about a failed statement. */
export interface PgError {
  /** SQLSTATE, or a socket error code such as ECONNRESET. */
  code?: string;
  /** The constraint a 23xxx error names. */
  constraint?: string;
  message: string;
}

/**
 * The one place that decodes a database error, whichever layer threw it: pg's own error,
 * or TypeORM's QueryFailedError around it. undefined when it is not an error at all.
 */
export function pgErrorOf(error: unknown): PgError | undefined {
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  if (typeof cause !== 'object' || cause === null) {
    return undefined;
  }
  const { code, constraint } = cause as { code?: unknown; constraint?: unknown };
  return {
    code: typeof code === 'string' ? code : undefined,
    constraint: typeof constraint === 'string' ? constraint : undefined,
    message: cause instanceof Error ? cause.message : '',
  };
}

/** A unique violation (23505), of `constraint` when one is named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pg = pgErrorOf(error);
  return pg?.code === '23505' && (constraint === undefined || pg.constraint === constraint);
}

/** Deadlock and serialization failures: the whole transaction may run again. */
export function isRetryableTransaction(error: unknown): boolean {
  const code = pgErrorOf(error)?.code;
  return code === '40P01' || code === '40001';
}

/** Server codes of a connection the server ended: restart, failover, pg_terminate_backend. */
const ENDED_BY_SERVER = new Set(['57P01', '57P02', '08003', '08006']);
const BROKEN_SOCKET = new Set(['ECONNRESET', 'EPIPE']);
const BROKEN_MESSAGES = ['Connection terminated', 'Client has encountered a connection error and is not queryable'];

/**
 * The connection under a statement broke (the server ended it, or its socket reset): another
 * connection may well work at once. Timeouts and refused connections are not in it: retrying
 * those would only double the time to answer 503 while the database is away.
 */
export function isBrokenConnection(error: unknown): boolean {
  const pg = pgErrorOf(error);
  if (!pg) {
    return false;
  }
  return (
    (pg.code !== undefined && (ENDED_BY_SERVER.has(pg.code) || BROKEN_SOCKET.has(pg.code))) ||
    BROKEN_MESSAGES.some((m) => pg.message.startsWith(m))
  );
}
