import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';

/** Keys are kept this long (Stripe: 24 h). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** A running request holds its key this long; past it a crashed run no longer blocks the key. */
export const IDEMPOTENCY_LEASE_SECONDS = 60;

export type BeginOutcome =
  | { kind: 'new' }
  | { kind: 'replay'; status: number; body: unknown; headers: Record<string, string> }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

interface Row {
  request_hash: string;
  status: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: unknown;
  response_headers: Record<string, string> | null;
  leased: boolean;
}

@Injectable()
export class IdempotencyService {
  constructor(private readonly sql: Sql) {}

  /** Claims the key for this request, or says what to answer instead. The primary key decides races. */
  async begin(userId: number, key: string, requestHash: string): Promise<BeginOutcome> {
    await this.sql.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND expires_at < now()`, [
      userId,
      key,
    ]);
    const inserted = await this.sql.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, status, locked_until, expires_at)
       VALUES ($1, $2, $3, 'in_progress', now() + make_interval(secs => $4), now() + make_interval(secs => $5))
       ON CONFLICT (user_id, key) DO NOTHING
       RETURNING 1`,
      [userId, key, requestHash, IDEMPOTENCY_LEASE_SECONDS, IDEMPOTENCY_TTL_SECONDS],
    );
    if (inserted.length > 0) {
      return { kind: 'new' };
    }
    const rows = await this.sql.query<Row>(
      `SELECT request_hash, status, response_status, response_body, response_headers, locked_until > now() AS leased
         FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
    const row = rows[0];
    if (!row) {
      // deleted between our statements (an expired or released key): claim it again
      return this.begin(userId, key, requestHash);
    }
    if (row.request_hash !== requestHash) {
      return { kind: 'mismatch' };
    }
    if (row.status === 'completed') {
      return {
        kind: 'replay',
        status: row.response_status ?? 200,
        body: row.response_body,
        headers: row.response_headers ?? {},
      };
    }
    if (!row.leased) {
      // the instance that ran it died: take the key over, unless another request just did
      const taken = await this.sql.query(
        `UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => $3)
          WHERE user_id = $1 AND key = $2 AND status = 'in_progress' AND locked_until <= now()
          RETURNING 1`,
        [userId, key, IDEMPOTENCY_LEASE_SECONDS],
      );
      if (taken.length > 0) {
        return { kind: 'new' };
      }
    }
    return { kind: 'in_progress' };
  }

  async complete(
    userId: number,
    key: string,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<void> {
    await this.sql.query(
      `UPDATE idempotency_keys
          SET status = 'completed', response_status = $3, response_body = $4, response_headers = $5
        WHERE user_id = $1 AND key = $2`,
      [userId, key, status, JSON.stringify(body ?? null), JSON.stringify(headers)],
    );
  }

  /** The request failed: forget the key so the client may retry with it. */
  async release(userId: number, key: string): Promise<void> {
    await this.sql.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 'in_progress'`, [
      userId,
      key,
    ]);
  }
}
