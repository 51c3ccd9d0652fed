import pg from 'pg';
import { isBrokenConnection } from './pg-error.js';

type Query = (...args: unknown[]) => unknown;

/** The error pg's `query_timeout` reports. */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

const timedOut = (error: unknown): boolean => error instanceof Error && error.message === QUERY_READ_TIMEOUT;

/**
 * A pg client that closes its connection as soon as a query on it times out or fails because
 * the connection broke, so that the pool never hands it out again. Found by the reliability
 * suite:
 *
 * - pg reports `query_timeout` but keeps waiting for the answer on that connection, which it
 *   still counts as healthy (brianc/node-postgres#3399): the pool hands it out again and every
 *   later query on it queues behind the lost one. With every backend of the pool stopped, the
 *   service answered 503 for good while the server took new connections; and a transaction
 *   whose ROLLBACK never left could be committed by the next user of the connection.
 * - When the server ends a connection (57P01: restart, failover, pg_terminate_backend), the
 *   failed query is answered before the socket's close is seen, so TypeORM releases the client
 *   as healthy and the next query (a read's retry, often) gets the same dead connection.
 *
 * `end()` marks the client as ending at once, which makes the pool drop it on release, and
 * destroys the socket when a query is still waiting on it.
 */
export class SafePgClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = super.query.bind(this) as Query;
    const wrapped: Query = (...args) => {
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        args[args.length - 1] = (error: unknown, result: unknown) => {
          this.dropIfBroken(error);
          (last as (error: unknown, result: unknown) => void)(error, result);
        };
        return query(...args);
      }
      const result = query(...args);
      if (result instanceof Promise) {
        // attached before the caller's own handler, so the client is ending before the caller
        // can release it to the pool
        result.then(undefined, (error: unknown) => this.dropIfBroken(error));
      }
      return result;
    };
    this.query = wrapped as typeof this.query;
  }

  private dropIfBroken(error: unknown): void {
    if (timedOut(error) || isBrokenConnection(error)) {
      this.end().catch(() => undefined);
    }
  }
}
