import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';
import type { EventPageDto } from './dto/event-page.dto.js';
import { DEFAULT_EVENTS_PAGE_SIZE, type ListEventsQueryDto } from './dto/list-events-query.dto.js';
import { decodeFeedCursor, encodeFeedCursor, laterOf, type FeedPosition } from './event-cursor.js';
import { EVENT_COLUMNS, toEvent, type EventRow } from './event.mapper.js';

interface FeedRow extends Partial<EventRow> {
  horizon: string;
  tx_id: string | null;
}

/**
 * The events feed: the audit trail read in (writing transaction, id) order.
 *
 * Ids are drawn when a row is inserted, not when it commits, so a reader that kept "the last
 * id I saw" would skip a row whose transaction drew a smaller id and committed later. Each
 * row records its transaction id (`tx_id`), and a read returns only rows of transactions
 * older than the oldest one still running when the read's snapshot was taken
 * (`pg_snapshot_xmin`): every such transaction has ended, so nothing can still appear below
 * the horizon, and whatever commits later has a transaction id at or above it. A stored
 * cursor therefore sees every event once. The cost: an event shows up only once every
 * transaction that began before it has ended (bounded by the idle-in-transaction timeout).
 */
@Injectable()
export class EventsService {
  constructor(private readonly sql: Sql) {}

  async list(query: ListEventsQueryDto): Promise<EventPageDto> {
    const after = decodeFeedCursor(query.after);
    const limit = query.limit ?? DEFAULT_EVENTS_PAGE_SIZE;
    const types = query.types === undefined ? null : [...new Set(query.types.split(','))];
    // One statement, so the horizon and the rows come from the same snapshot.
    const rows = await this.sql.read<FeedRow>(
      `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon)
       SELECT h.horizon, e.*
         FROM h
         LEFT JOIN LATERAL (
           SELECT a.tx_id, ${EVENT_COLUMNS('a')}
             FROM audit_events a
            WHERE a.tx_id < h.horizon
              AND (a.tx_id, a.id) > ($1::bigint, $2::bigint)
              AND ($3::text[] IS NULL OR a.action = ANY ($3::text[]))
              AND ($4::bigint IS NULL OR a.organization_id = $4::bigint)
            ORDER BY a.tx_id, a.id
            LIMIT $5
         ) e ON true
        ORDER BY e.tx_id, e.id`,
      [after.txId.toString(), after.id.toString(), types, query.organizationId ?? null, limit],
    );
    const events = rows.filter((r) => r.id !== null && r.id !== undefined);
    let next: FeedPosition;
    if (events.length === limit) {
      const last = events[events.length - 1];
      next = { txId: BigInt(last.tx_id!), id: BigInt(last.id!) };
    } else {
      // Everything before the horizon that matches has been returned: the next read may start
      // at the horizon itself (filters then never rescan the events they skipped).
      next = laterOf(after, { txId: BigInt(rows[0].horizon), id: 0n });
    }
    return { data: events.map((r) => toEvent(r as EventRow)), nextCursor: encodeFeedCursor(next) };
  }
}
