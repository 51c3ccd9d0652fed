import { BadRequestException, Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';
import { decodeCursor, pageOf } from '../common/cursor.js';
import { errorBody } from '../common/error-body.js';
import { CommonErrorCode } from '../common/error-codes.js';
import type { AuditEventPageDto } from './dto/audit-event-page.dto.js';
import type { AuditEventDto } from './dto/audit-event.dto.js';
import { DEFAULT_AUDIT_PAGE_SIZE, type ListAuditEventsQueryDto } from './dto/list-audit-events-query.dto.js';

interface AuditRow {
  id: number | string;
  occurred_at: Date | string;
  action: string;
  actor_user_id: number | string | null;
  actor_session_hash: string | null;
  organization_id: number | string | null;
  target_user_id: number | string | null;
  membership_id: number | string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string | null;
}

const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));

function toAuditEvent(row: AuditRow): AuditEventDto {
  return {
    id: Number(row.id),
    occurredAt: new Date(row.occurred_at).toISOString(),
    action: row.action,
    actorUserId: numOrNull(row.actor_user_id),
    actorSessionHash: row.actor_session_hash,
    organizationId: numOrNull(row.organization_id),
    targetUserId: numOrNull(row.target_user_id),
    membershipId: numOrNull(row.membership_id),
    before: row.before,
    after: row.after,
    requestId: row.request_id,
  };
}

/** Reads the audit trail for backoffice: filtered, newest first, keyset-paginated on id. */
@Injectable()
export class AuditQueryService {
  constructor(private readonly sql: Sql) {}

  async list(query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from && to && from.getTime() > to.getTime()) {
      throw new BadRequestException(
        errorBody('from must not be after to', CommonErrorCode.VALIDATION_FAILED, {
          details: [{ path: 'query.from', message: 'must not be after to' }],
        }),
      );
    }
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE_SIZE;
    const before = decodeCursor(query.cursor);
    const params: unknown[] = [];
    const where: string[] = ['TRUE'];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.organizationId !== undefined) {
      where.push(`organization_id = ${param(query.organizationId)}`);
    }
    if (query.userId !== undefined) {
      where.push(`target_user_id = ${param(query.userId)}`);
    }
    if (query.actorUserId !== undefined) {
      where.push(`actor_user_id = ${param(query.actorUserId)}`);
    }
    if (query.action !== undefined) {
      where.push(`action = ${param(query.action)}`);
    }
    if (from) {
      where.push(`occurred_at >= ${param(from)}`);
    }
    if (to) {
      where.push(`occurred_at < ${param(to)}`);
    }
    if (before !== undefined) {
      where.push(`id < ${param(before)}`);
    }
    const rows = await this.sql.read<AuditRow>(
      `SELECT id, occurred_at, action, actor_user_id, actor_session_hash, organization_id,
              target_user_id, membership_id, before, after, request_id
         FROM audit_events
        WHERE ${where.join(' AND ')}
        ORDER BY id DESC
        LIMIT ${param(limit + 1)}`,
      params,
    );
    const { items, nextCursor } = pageOf(
      rows.map((row) => ({ id: Number(row.id), row })),
      limit,
    );
    return { data: items.map(({ row }) => toAuditEvent(row)), nextCursor };
  }
}
