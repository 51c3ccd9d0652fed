import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { isBrokenConnection, isRetryableTransaction } from './pg-error.js';

/**
 * A statement with a name (for logs and the benchmark) and its parameters named in order
 * (the benchmark builds its pgbench script from them, so the two cannot drift apart).
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
  readonly parameters: readonly string[];
}

export type SqlText = string | Statement;

/** Something statements run on: the pool ({@link Sql}) or one transaction's connection. */
export interface Queryable {
  /** The rows the statement returned (RETURNING rows for writes). */
  query<T>(sql: SqlText, values?: readonly unknown[]): Promise<T[]>;
}

/**
 * Before each retry of a read: long enough for the server's other dying backends to close,
 * short beside a request. After a restart each pooled connection fails once, and a retry can
 * draw another of them; each such failure takes that connection out of the pool.
 */
const READ_RETRY_DELAYS_MS = [25, 100];
const TRANSACTION_ATTEMPTS = 3;

const textOf = (sql: SqlText, values: readonly unknown[]): string => {
  if (typeof sql === 'string') {
    return sql;
  }
  if (values.length !== sql.parameters.length) {
    throw new Error(`${sql.name} takes ${sql.parameters.length} parameters, got ${values.length}`);
  }
  return sql.text;
};

/**
 * Runs a read, and again when its connection broke under it (at most twice more). Only for
 * reads, which are safe to repeat; writes are never retried here (a client retries them
 * behind an Idempotency-Key).
 */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
  for (const delayMs of READ_RETRY_DELAYS_MS) {
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

export interface SqlOptions {
  /**
   * Run each named {@link Statement} on the pool as a server-side prepared statement (parsed
   * and planned once per connection). Off behind a PgBouncer in transaction mode older than
   * 1.21, which may hand each transaction another server connection.
   */
  preparedStatements: boolean;
}

/**
 * The one way the service runs SQL: single statements on the pool, reads retried on a broken
 * connection, and READ COMMITTED transactions retried on deadlock or serialization failure.
 * Errors are the driver's own; `pg-error.ts` decodes them.
 *
 * A named {@link Statement} run on the pool is prepared once per connection (see
 * docs/decisions/0011-prepared-statements.md: planning the invite statement cost more than
 * running it); plain strings and statements inside a transaction are sent unnamed.
 */
@Injectable()
export class Sql implements Queryable {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: SqlOptions = { preparedStatements: true },
  ) {}

  /** One statement on a pooled connection (atomic on its own). */
  async query<T>(sql: SqlText, values: readonly unknown[] = []): Promise<T[]> {
    const text = textOf(sql, values);
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    // Not pool.query(), which closes the connection after any error, a 23505 included: a burst
    // of identical invites (one 201, the rest 409) would open a connection for every 409.
    const client = await pool.connect();
    // A checked-out client's 'error' (the server ended the connection) is the holder's to
    // handle, or it crashes the process; the release then closes that connection.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      const prepared = this.options.preparedStatements && typeof sql !== 'string';
      const result = await client.query(
        prepared ? { name: sql.name, text, values: [...values] } : { text, values: [...values] },
      );
      return result.rows as T[];
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** A read statement, retried when its connection broke under it. */
  read<T>(sql: SqlText, values: readonly unknown[] = []): Promise<T[]> {
    return retryRead(() => this.query<T>(sql, values));
  }

  /**
   * Runs `work` in one READ COMMITTED transaction, again (up to three times in all) when
   * PostgreSQL aborted it for a deadlock or a serialization failure. `work` must touch the
   * database only through `tx`: the embedded database has one connection, which the
   * transaction holds.
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) =>
          work({
            async query<R>(sql: SqlText, values: readonly unknown[] = []): Promise<R[]> {
              const result = await manager.queryRunner!.query(textOf(sql, values), [...values], true);
              return result.records as R[];
            },
          }),
        );
      } catch (error) {
        if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableTransaction(error)) {
          throw error;
        }
      }
    }
  }
}
