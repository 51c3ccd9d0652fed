import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/sql.js';
import type { AuthContext } from '../auth/auth-context.js';
import { sessionHash } from './session-hash.js';

export interface AuditEntry {
  /** e.g. invitation.created, invitation.accepted, membership.registered, membership.updated */
  action: string;
  actor?: Pick<AuthContext, 'userId' | 'sessionId'>;
  organizationId?: number | null;
  targetUserId?: number | null;
  membershipId?: number | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  requestId?: string | null;
}

/** Appends to the audit trail, inside the caller's transaction so a change and its record commit together. */
@Injectable()
export class AuditService {
  /** `tx`: the transaction of the change the entry records. */
  async record(entry: AuditEntry, tx: Queryable): Promise<void> {
    await tx.query(
      `INSERT INTO audit_events
         (action, actor_user_id, actor_session_hash, organization_id, target_user_id, membership_id, before, after, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.action,
        entry.actor?.userId ?? null,
        sessionHash(entry.actor?.sessionId),
        entry.organizationId ?? null,
        entry.targetUserId ?? null,
        entry.membershipId ?? null,
        entry.before ? JSON.stringify(entry.before) : null,
        entry.after ? JSON.stringify(entry.after) : null,
        entry.requestId || null,
      ],
    );
  }
}
