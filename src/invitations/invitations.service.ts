import {
  ConflictException,
  ForbiddenException,
  GoneException,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { AuditService, type AuditEntry } from '../audit/audit.service.js';
import type { AuthContext } from '../auth/auth-context.js';
import { AuthErrorCode } from '../auth/auth.constants.js';
import { OrganizationAdminPolicy } from '../auth/organization-admin.policy.js';
import { decodeCursor, pageOf } from '../common/cursor.js';
import { CommonErrorCode } from '../common/error-codes.js';
import { errorBody } from '../common/error-body.js';
import { parseId } from '../common/parse-id.pipe.js';
import { StatementRunner } from '../database/statement.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { INVITATION_MAIL_KIND, INVITATION_RESENT_MAIL_KIND } from '../mail/invitation-email.js';
import { MailOutboxWorker } from '../mail/mail-outbox.worker.js';
import { MailSecretBox, newOutboxId } from '../mail/mail-secret-box.js';
import { sessionHash } from '../audit/session-hash.js';
import type { MembershipResponseDto } from '../memberships/dto/membership-data.dto.js';
import { DEFAULT_PERMISSIONS, Scope, type Permissions } from '../memberships/membership.constants.js';
import { membershipSnapshot, toMembershipData } from '../memberships/membership.mapper.js';
import { MetricsService, type InvitationEvent } from '../metrics/metrics.service.js';
import type { CreateInviteUserOrganizationDto } from './dto/create-invite-user-organization.dto.js';
import type { InvitationListResponseDto, InvitationResponseDto, InvitationState } from './dto/invitation.dto.js';
import type { InviteUserResponseDto } from './dto/invite-user-response.dto.js';
import type { InviteUserDto } from './dto/invite-user.dto.js';
import { InvitationErrorCode } from './invitation-error-codes.js';
import {
  asMembership,
  INVITATION_VIEW_SQL,
  invitationState,
  membershipColumns,
  toInvitationDto,
  type InvitationViewRow,
  type MembershipRow,
} from './invitation.mapper.js';
import { hashInvitationToken, newInvitationToken } from './invitation-token.js';
import { INVITE_STATEMENT } from './invite-statement.js';
import { ResendLimitedException } from './resend-limited.exception.js';

interface InviteCommand {
  email: string;
  scope: Scope;
  permissions: Permissions;
  professionId: number | null;
  /** The organizationId the caller asked for, if any (else resolved by the admin policy). */
  organizationId?: number;
}

interface InviteResult {
  membership: MembershipRow;
  inviteeEmail: string;
}

/** The membership row, plus what the invite statement did on the way. */
interface InviteRow extends MembershipRow {
  inviteeEmail: string;
  /** 1 when an expired pending invitation of the same person was retired first, else 0. */
  expiredInvitations: number;
}

interface LockedInvitation extends MembershipRow {
  expired: boolean;
  organizationDeleted: boolean;
  /** Seconds until one more resend is allowed; null when allowed now (resend only). */
  retryAfterSeconds?: number | null;
}

type InvitationTarget = { id: number } | { tokenHash: string };
type Answer = 'accept' | 'decline';

const LIVE_MEMBERSHIP_INDEX = 'uq_user_organizations_live';

/** Marks the pending mails of an invitation cancelled (and drops their sealed token). */
const CANCEL_MAILS_CTE = `
  cancelled AS (
    UPDATE mail_outbox SET status = 'cancelled', secret = NULL, updated_at = now()
     WHERE membership_id = $1 AND status = 'pending'
    RETURNING id
  )`;

/** Records an audit event inside the current transaction. */
type Audit = (entry: AuditEntry) => Promise<void>;

/**
 * The invitation lifecycle (issue #4): invite (two seed routes), resend, revoke, list, accept
 * and decline by id or by the emailed token. Every change is one transaction that also writes
 * its audit event and, where an email goes out, its outbox row; the mail worker is woken
 * after the commit and sends outside any transaction.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: StatementRunner,
    private readonly policy: OrganizationAdminPolicy,
    private readonly audit: AuditService,
    private readonly secrets: MailSecretBox,
    private readonly mail: MailOutboxWorker,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A transaction whose audit events also count in `invitations_total`, once it has
   * committed (a rolled-back change counts nothing).
   */
  private async transaction<T>(work: (manager: EntityManager, audit: Audit) => Promise<T>): Promise<T> {
    const events: InvitationEvent[] = [];
    const result = await this.dataSource.transaction((manager) =>
      work(manager, async (entry) => {
        await this.audit.record(entry, manager);
        events.push(entry.action.replace(/^invitation\./, '') as InvitationEvent);
      }),
    );
    events.forEach((event) => this.metrics.invitation(event));
    return result;
  }

  // --- invite ---------------------------------------------------------------------------

  async createInviteUserOrganization(
    auth: AuthContext,
    pathUserId: number,
    body: CreateInviteUserOrganizationDto,
    organizationId: number | undefined,
    requestId: string,
  ): Promise<MembershipResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    const { membership } = await this.invite(
      auth,
      {
        email: body.email,
        scope: body.scope,
        permissions: { group: body.permissions.group, read: body.permissions.read, manage: body.permissions.manage },
        professionId: body.professionId ?? null,
        organizationId,
      },
      requestId,
    );
    return { data: toMembershipData(asMembership(membership)) };
  }

  async inviteUser(auth: AuthContext, body: InviteUserDto, requestId: string): Promise<InviteUserResponseDto> {
    const scope = body.roleId === '1' || body.roleId === 'admin' ? Scope.ADMIN : Scope.MEMBER;
    const { membership, inviteeEmail } = await this.invite(
      auth,
      {
        email: body.email,
        scope,
        permissions: DEFAULT_PERMISSIONS,
        professionId: null,
        organizationId: body.organizationId === undefined ? undefined : parseId(body.organizationId),
      },
      requestId,
    );
    return {
      message: `Invitation created; an email to ${inviteeEmail} is on its way`,
      user: {
        id: String(membership.userId),
        email: inviteeEmail,
        roleId: String(membership.scope),
        organizationId: String(membership.organizationId),
        status: 'invited',
      },
    };
  }

  /**
   * One round trip: INVITE_STATEMENT checks the caller is an active ADMIN of the organization,
   * and writes the invitee, the invitation, its outbox mail and its audit events, atomically.
   * Only on a refusal does a second query find out which answer to give.
   */
  private async invite(auth: AuthContext, cmd: InviteCommand, requestId: string): Promise<InviteResult> {
    const { token, hash } = newInvitationToken();
    const outboxId = newOutboxId();
    let rows: InviteRow[];
    try {
      rows = await this.statements.query<InviteRow>(INVITE_STATEMENT, [
        cmd.email,
        cmd.organizationId ?? auth.organizationId ?? null,
        cmd.scope,
        JSON.stringify(cmd.permissions),
        cmd.professionId,
        auth.userId,
        hash,
        this.config.invitations.ttlSeconds,
        INVITATION_MAIL_KIND,
        this.secrets.seal(token, { outboxId, recipient: cmd.email }),
        sessionHash(auth.sessionId),
        requestId,
        outboxId,
      ]);
    } catch (error) {
      if (uniqueViolation(error) === LIVE_MEMBERSHIP_INDEX) {
        const organizationId = await this.policy.resolveAdminOrganization(auth, cmd.organizationId);
        throw await this.inviteConflict(cmd.email, organizationId);
      }
      throw error;
    }
    const row = rows[0];
    if (!row) {
      // No single organization where the caller is an active ADMIN: the policy says which
      // (403, or 400 when several need choosing between). Made admin since? Still 403 for
      // this statement, which saw no admin.
      await this.policy.resolveAdminOrganization(auth, cmd.organizationId);
      throw notAdmin();
    }
    if (row.expiredInvitations > 0) {
      this.metrics.invitation('expired');
    }
    this.metrics.invitation('created');
    this.mail.kick();
    return { membership: row, inviteeEmail: row.inviteeEmail };
  }

  /** Which live row the unique index found, read after the failed insert rolled back. */
  private async inviteConflict(email: string, organizationId: number): Promise<HttpException> {
    const rows: { status: string }[] = await this.dataSource.query(
      `SELECT uo.status
         FROM users u
         JOIN user_organizations uo
           ON uo.user_id = u.id AND uo.organization_id = $2 AND uo.deleted_at IS NULL
        WHERE lower(u.email) = lower($1) AND u.deleted_at IS NULL`,
      [email, organizationId],
    );
    switch (rows[0]?.status) {
      case 'active':
        return new ConflictException(
          errorBody(
            'This person is already a member of the organization',
            InvitationErrorCode.MEMBERSHIP_ALREADY_EXISTS,
          ),
        );
      case 'invited':
        return new ConflictException(
          errorBody(
            'This person already has a pending invitation to the organization; resend it instead',
            InvitationErrorCode.INVITATION_ALREADY_PENDING,
          ),
        );
      default:
        return new ConflictException(errorBody('The membership changed concurrently; retry', CommonErrorCode.CONFLICT));
    }
  }

  // --- admin: resend, revoke, read ----------------------------------------------------------

  async resend(
    auth: AuthContext,
    pathUserId: number,
    invitationId: number,
    requestId: string,
  ): Promise<InvitationResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    const { token, hash } = newInvitationToken();
    const limit = this.config.invitations.resendLimitPerHour;
    const view = await this.transaction(async (manager, audit) => {
      const row = await this.lockForAdmin(manager, auth, invitationId, limit);
      const state = invitationState(row)!;
      if (state === 'accepted') {
        throw alreadyAccepted();
      }
      if (!(state === 'pending' || (state === 'expired' && row.deletedAt === null))) {
        throw gone(state);
      }
      if (row.retryAfterSeconds !== null && row.retryAfterSeconds !== undefined) {
        throw new ResendLimitedException(row.retryAfterSeconds, limit);
      }
      const outboxId = newOutboxId();
      const [invitee]: { email: string }[] = await manager.query(`SELECT email FROM users WHERE id = $1`, [row.userId]);
      const rows: (MembershipRow & { mailId: number })[] = await manager.query(
        `WITH m AS (
           UPDATE user_organizations uo
              SET invitation_token_hash = $2, invitation_expires_at = now() + $3 * interval '1 second',
                  version = uo.version + 1, updated_at = now()
            WHERE uo.id = $1
           RETURNING ${membershipColumns('uo')}
         ), ${CANCEL_MAILS_CTE}, mail AS (
           INSERT INTO mail_outbox (public_id, kind, membership_id, recipient, subject, payload, secret)
           SELECT $7, $4, m.id, u.email, left('Invitation to join ' || o.name, 300),
                  jsonb_build_object('organizationName', o.name, 'inviterEmail', inviter.email,
                                     'scope', m.scope, 'expiresAt', m."invitationExpiresAt"),
                  $5
             FROM m
             JOIN users u ON u.id = m."userId"
             JOIN organizations o ON o.id = m."organizationId"
             LEFT JOIN users inviter ON inviter.id = $6
           RETURNING id
         )
         SELECT m.*, (SELECT id FROM mail) AS "mailId", (SELECT count(*) FROM cancelled)::int AS "cancelledMails"
           FROM m`,
        [
          row.id,
          hash,
          this.config.invitations.ttlSeconds,
          INVITATION_RESENT_MAIL_KIND,
          this.secrets.seal(token, { outboxId, recipient: invitee.email }),
          auth.userId,
          outboxId,
        ],
      );
      const after = rows[0];
      await audit({
        action: 'invitation.resent',
        actor: auth,
        organizationId: Number(row.organizationId),
        targetUserId: Number(row.userId),
        membershipId: Number(row.id),
        before: invitationSnapshot(row),
        after: { ...invitationSnapshot(after), mailId: Number(after.mailId) },
        requestId,
      });
      return this.view(manager, row.id);
    });
    this.mail.kick();
    return { data: toInvitationDto(view, { showMailError: true }) };
  }

  async revoke(
    auth: AuthContext,
    pathUserId: number,
    invitationId: number,
    requestId: string,
  ): Promise<InvitationResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    const view = await this.transaction(async (manager, audit) => {
      const row = await this.lockForAdmin(manager, auth, invitationId);
      const state = invitationState(row)!;
      if (state === 'revoked') {
        return this.view(manager, row.id);
      }
      if (state === 'accepted') {
        throw alreadyAccepted();
      }
      if (!(state === 'pending' || (state === 'expired' && row.deletedAt === null))) {
        throw gone(state);
      }
      await this.end(manager, audit, auth, row, 'revoked', requestId);
      return this.view(manager, row.id);
    });
    return { data: toInvitationDto(view, { showMailError: true }) };
  }

  /** One invitation, for its invitee or an admin of its organization (admins also see mail errors). */
  async getInvitation(auth: AuthContext, pathUserId: number, invitationId: number): Promise<InvitationResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    const rows: InvitationViewRow[] = await this.dataSource.query(
      `${INVITATION_VIEW_SQL} WHERE uo.id = $1 AND uo.invitation_expires_at IS NOT NULL AND o.deleted_at IS NULL`,
      [invitationId],
    );
    const row = rows[0];
    if (!row) {
      throw invitationNotFound();
    }
    const admin = await this.policy.isAdmin(auth.userId, Number(row.organization_id));
    if (!admin && Number(row.user_id) !== auth.userId) {
      await this.policy.assertAdmin(auth.userId, Number(row.organization_id));
    }
    return { data: toInvitationDto(row, { showMailError: admin }) };
  }

  // --- invitee: list, accept, decline -------------------------------------------------------

  async listMine(
    auth: AuthContext,
    pathUserId: number,
    query: { cursor?: string; limit: number; includeExpired: boolean },
  ): Promise<InvitationListResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    const after = decodeCursor(query.cursor);
    const rows: InvitationViewRow[] = await this.dataSource.query(
      `${INVITATION_VIEW_SQL}
        WHERE uo.user_id = $1 AND uo.deleted_at IS NULL AND uo.status = 'invited' AND o.deleted_at IS NULL
          AND ($2::boolean OR uo.invitation_expires_at > now())
          AND ($3::bigint IS NULL OR uo.id < $3::bigint)
        ORDER BY uo.id DESC
        LIMIT $4`,
      [auth.userId, query.includeExpired, after ?? null, query.limit + 1],
    );
    const page = pageOf(rows, query.limit);
    return {
      data: page.items.map((r) => toInvitationDto(r, { showMailError: false })),
      nextCursor: page.nextCursor,
    };
  }

  answerById(
    auth: AuthContext,
    pathUserId: number,
    invitationId: number,
    answer: Answer,
    requestId: string,
  ): Promise<MembershipResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    return this.answer(auth, { id: invitationId }, answer, requestId);
  }

  answerByToken(auth: AuthContext, token: string, answer: Answer, requestId: string): Promise<MembershipResponseDto> {
    return this.answer(auth, { tokenHash: hashInvitationToken(token) }, answer, requestId);
  }

  private async answer(
    auth: AuthContext,
    target: InvitationTarget,
    answer: Answer,
    requestId: string,
  ): Promise<MembershipResponseDto> {
    const row = await this.transaction(async (manager, audit) => {
      const locked = await this.lock(manager, target);
      const state = locked && !locked.organizationDeleted ? invitationState(locked) : undefined;
      if (!locked || state === undefined) {
        throw invitationNotFound();
      }
      if (Number(locked.userId) !== auth.userId) {
        // By id, another person's invitation is simply not among the caller's; by token,
        // say that it belongs to another account, which is what the holder needs to know.
        throw 'id' in target
          ? invitationNotFound()
          : new ForbiddenException(
              errorBody(
                'This invitation is addressed to another account; sign in as the invited person',
                InvitationErrorCode.INVITATION_NOT_FOR_CALLER,
              ),
            );
      }
      return answer === 'accept'
        ? this.accept(manager, audit, auth, locked, state, requestId)
        : this.decline(manager, audit, auth, locked, state, requestId);
    });
    return { data: toMembershipData(asMembership(row)) };
  }

  private async accept(
    manager: EntityManager,
    audit: Audit,
    auth: AuthContext,
    row: LockedInvitation,
    state: InvitationState,
    requestId: string,
  ): Promise<MembershipRow> {
    if (state === 'accepted') {
      return row; // accepting twice returns the same membership
    }
    if (state !== 'pending') {
      throw gone(state);
    }
    const rows: (MembershipRow & { userActivated: boolean })[] = await manager.query(
      `WITH m AS (
         UPDATE user_organizations uo
            SET status = 'active', accepted_at = now(), version = uo.version + 1, updated_at = now()
          WHERE uo.id = $1
         RETURNING ${membershipColumns('uo')}
       ), activated AS (
         UPDATE users SET status = 'active', updated_at = now()
          WHERE id = $2 AND status = 'invited' AND deleted_at IS NULL
         RETURNING id
       ), ${CANCEL_MAILS_CTE}
       SELECT m.*, EXISTS (SELECT 1 FROM activated) AS "userActivated", (SELECT count(*) FROM cancelled)::int AS "cancelledMails"
         FROM m`,
      [row.id, row.userId],
    );
    const after = rows[0];
    await audit({
      action: 'invitation.accepted',
      actor: auth,
      organizationId: Number(row.organizationId),
      targetUserId: Number(row.userId),
      membershipId: Number(row.id),
      before: invitationSnapshot(row),
      after: { ...invitationSnapshot(after), userActivated: after.userActivated },
      requestId,
    });
    return after;
  }

  private async decline(
    manager: EntityManager,
    audit: Audit,
    auth: AuthContext,
    row: LockedInvitation,
    state: InvitationState,
    requestId: string,
  ): Promise<MembershipRow> {
    if (state === 'declined') {
      return row;
    }
    if (state === 'accepted') {
      throw alreadyAccepted();
    }
    if (state !== 'pending') {
      throw gone(state);
    }
    return this.end(manager, audit, auth, row, 'declined', requestId);
  }

  // --- shared ----------------------------------------------------------------------------

  /** Soft-deletes an invitation with its reason and cancels its unsent mails. */
  /** Ends a pending invitation (soft delete, its pending mails cancelled) and audits it. */
  private async end(
    manager: EntityManager,
    audit: Audit,
    auth: AuthContext,
    row: LockedInvitation,
    reason: 'revoked' | 'declined',
    requestId: string,
  ): Promise<MembershipRow> {
    const rows: MembershipRow[] = await manager.query(
      `WITH m AS (
         UPDATE user_organizations uo
            SET deleted_at = now(), end_reason = $2, ended_by = $3, version = uo.version + 1, updated_at = now()
          WHERE uo.id = $1
         RETURNING ${membershipColumns('uo')}
       ), ${CANCEL_MAILS_CTE}
       SELECT m.*, (SELECT count(*) FROM cancelled)::int AS "cancelledMails" FROM m`,
      [row.id, reason, auth.userId],
    );
    const after = rows[0];
    await audit({
      action: `invitation.${reason}`,
      actor: auth,
      organizationId: Number(row.organizationId),
      targetUserId: Number(row.userId),
      membershipId: Number(row.id),
      before: invitationSnapshot(row),
      after: { ...invitationSnapshot(after), endReason: reason },
      requestId,
    });
    return after;
  }

  /**
   * Locks an invitation row for the rest of the transaction (by id or token hash). With
   * `resendLimit`, also says how long until one more resend fits in the rolling hour: the
   * limit-th most recent resend's age, counted from the outbox.
   */
  private async lock(
    manager: EntityManager,
    target: InvitationTarget,
    resendLimit?: number,
  ): Promise<LockedInvitation | undefined> {
    const window =
      resendLimit === undefined
        ? ''
        : `, (SELECT ceil(extract(epoch FROM (mo.created_at + interval '1 hour' - now())))::int
               FROM mail_outbox mo
              WHERE mo.membership_id = uo.id AND mo.kind = '${INVITATION_RESENT_MAIL_KIND}'
                AND mo.created_at > now() - interval '1 hour'
              ORDER BY mo.created_at DESC
             OFFSET ${resendLimit - 1} LIMIT 1) AS "retryAfterSeconds"`;
    const rows: LockedInvitation[] = await manager.query(
      `SELECT ${membershipColumns('uo')},
              COALESCE(uo.invitation_expires_at <= now(), false) AS expired,
              EXISTS (SELECT 1 FROM organizations o WHERE o.id = uo.organization_id AND o.deleted_at IS NOT NULL)
                AS "organizationDeleted"
              ${window}
         FROM user_organizations uo
        WHERE ${'id' in target ? 'uo.id = $1' : 'uo.invitation_token_hash = $1'}
        FOR UPDATE OF uo`,
      ['id' in target ? target.id : target.tokenHash],
    );
    const row = rows[0];
    if (row?.retryAfterSeconds !== undefined && row.retryAfterSeconds !== null) {
      row.retryAfterSeconds = Math.max(1, row.retryAfterSeconds);
    }
    return row;
  }

  /** Locks an invitation an admin acts on: 404 unless it is one, 403 unless the caller administers its organization. */
  private async lockForAdmin(
    manager: EntityManager,
    auth: AuthContext,
    invitationId: number,
    resendLimit?: number,
  ): Promise<LockedInvitation> {
    const row = await this.lock(manager, { id: invitationId }, resendLimit);
    if (!row || row.organizationDeleted || invitationState(row) === undefined) {
      throw invitationNotFound();
    }
    await this.policy.assertAdmin(auth.userId, Number(row.organizationId), manager);
    return row;
  }

  private async view(manager: EntityManager, id: number): Promise<InvitationViewRow> {
    const rows: InvitationViewRow[] = await manager.query(`${INVITATION_VIEW_SQL} WHERE uo.id = $1`, [id]);
    return rows[0];
  }
}

function uniqueViolation(error: unknown): string | undefined {
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as
    { code?: unknown; constraint?: unknown } | undefined;
  return driverError?.code === '23505' && typeof driverError.constraint === 'string'
    ? driverError.constraint
    : undefined;
}

/** What the audit trail keeps of an invitation: the membership snapshot and its expiry. */
function invitationSnapshot(row: MembershipRow): Record<string, unknown> {
  return {
    ...membershipSnapshot(asMembership(row)),
    invitedBy: row.invitedBy === null ? null : Number(row.invitedBy),
    invitationExpiresAt: row.invitationExpiresAt ? new Date(row.invitationExpiresAt).toISOString() : null,
    acceptedAt: row.acceptedAt ? new Date(row.acceptedAt).toISOString() : null,
  };
}

function notAdmin(): ForbiddenException {
  return new ForbiddenException(
    errorBody('The caller is not an active admin of this organization', AuthErrorCode.NOT_ORGANIZATION_ADMIN),
  );
}

function invitationNotFound(): NotFoundException {
  return new NotFoundException(errorBody('No such invitation', InvitationErrorCode.INVITATION_NOT_FOUND));
}

function alreadyAccepted(): ConflictException {
  return new ConflictException(
    errorBody('The invitation was already accepted', InvitationErrorCode.INVITATION_ALREADY_ACCEPTED),
  );
}

/** 410 for an invitation that can no longer be answered. */
function gone(state: InvitationState): HttpException {
  switch (state) {
    case 'expired':
      return new GoneException(
        errorBody(
          'The invitation has expired; ask an admin of the organization to resend it',
          InvitationErrorCode.INVITATION_EXPIRED,
        ),
      );
    case 'revoked':
      return new GoneException(errorBody('The invitation was revoked', InvitationErrorCode.INVITATION_REVOKED));
    case 'declined':
      return new GoneException(errorBody('The invitation was declined', InvitationErrorCode.INVITATION_DECLINED));
    case 'ended':
    case 'accepted':
    case 'pending':
      return new GoneException(
        errorBody('The membership this invitation created has since ended', InvitationErrorCode.INVITATION_ENDED),
      );
  }
}
