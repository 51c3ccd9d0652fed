import type { EventDto } from './dto/event.dto.js';

/** An audit row as the feed and the webhook worker read it. */
export interface EventRow {
  id: number | string;
  action: string;
  occurred_at: Date | string;
  organization_id: number | string | null;
  actor_user_id: number | string | null;
  target_user_id: number | string | null;
  membership_id: number | string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** The audit columns an event is made of (never the session id or the request id). */
export const EVENT_COLUMNS = (alias: string) =>
  [
    'id',
    'action',
    'occurred_at',
    'organization_id',
    'actor_user_id',
    'target_user_id',
    'membership_id',
    'before',
    'after',
  ]
    .map((c) => `${alias}.${c}`)
    .join(', ');

// Keys that must never leave the service in an event, even if a snapshot gains them one day.
const SECRET_KEY = /token|secret|session|password|hash/i;

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutSecrets);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !SECRET_KEY.test(key))
        .map(([key, v]) => [key, withoutSecrets(v)]),
    );
  }
  return value;
}

const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));

export function toEvent(row: EventRow): EventDto {
  const organizationId = numOrNull(row.organization_id);
  return {
    id: Number(row.id),
    type: row.action,
    createdAt: new Date(row.occurred_at).toISOString(),
    organizationId,
    data: {
      organizationId,
      userId: numOrNull(row.target_user_id),
      membershipId: numOrNull(row.membership_id),
      actorUserId: numOrNull(row.actor_user_id),
      before: withoutSecrets(row.before) as Record<string, unknown> | null,
      after: withoutSecrets(row.after) as Record<string, unknown> | null,
    },
  };
}
