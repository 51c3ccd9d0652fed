import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

/**
 * A statement of a hot path. `parameters` names each `$n` in order (the benchmark builds its
 * pgbench script from them, so the two cannot drift apart).
 */
export interface Statement {
  /** Unique per text: names the statement in errors and in the benchmark. */
  readonly name: string;
  readonly text: string;
  readonly parameters: readonly string[];
}

/**
 * Runs {@link Statement}s on TypeORM's own pool (the same connections, SafePgClient, timeouts
 * and int8 parsing as `DataSource.query`), without TypeORM's per-query runner. Errors are pg's
 * own (`code`, `constraint`), which the exception filter maps.
 *
 * They go unnamed (parsed again each time): a named statement lives in one server session,
 * and behind a pooler in transaction mode (PgBouncer) each statement may run on another
 * server connection, where it was never prepared ("prepared statement ... does not exist")
 * or was prepared by another client ("... already exists"). The embedded database (PGlite)
 * failed the same way: one session behind every socket.
 */
@Injectable()
export class StatementRunner {
  constructor(private readonly dataSource: DataSource) {}

  async query<T>(statement: Statement, values: readonly unknown[]): Promise<T[]> {
    if (values.length !== statement.parameters.length) {
      throw new Error(`${statement.name} takes ${statement.parameters.length} parameters, got ${values.length}`);
    }
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    // Not pool.query(), which closes the connection after any error, a 23505 included: a
    // burst of identical invites (one 201, the rest 409) then opened a connection for every
    // 409 and ran out of them, 503s (reliability suite). The connection stays when the
    // statement failed; SafePgClient ends it when it broke, and the pool then drops it.
    const client = await pool.connect();
    // A checked-out client's 'error' (the server ended the connection: 57P01) is the holder's
    // to handle, or it crashes the process; as TypeORM's query runner does, it closes it.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      const result = await client.query({
        text: statement.text,
        values: [...values],
      });
      return result.rows as T[];
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
