import {
  ConflictException,
  ForbiddenException,
  GoneException,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { AuditService, type AuditEntry } from '../audit/audit.service.js';
import type { AuthContext } from '../auth/auth-context.js';
import { decodeCursor, pageOf } from '../common/cursor.js';
import { CommonErrorCode } from '../common/error-codes.js';
import { errorBody } from '../common/error-body.js';
import { shownOnce } from '../common/shown-once.js';
import { parseId } from '../common/parse-id.pipe.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { isUniqueViolation } from '../database/pg-error.js';
import { Sql, type Queryable } from '../database/sql.js';
import { acceptUrlFor, INVITATION_MAIL_KIND, INVITATION_RESENT_MAIL_KIND } from '../mail/invitation-email.js';
import { MailOutboxWorker } from '../mail/mail-outbox.worker.js';
import { MailSecretBox, newOutboxId } from '../mail/mail-secret-box.js';
import { sessionHash } from '../audit/session-hash.js';
import type { MembershipResponseDto } from '../memberships/dto/membership-data.dto.js';
import type { Permissions, Scope } from '../memberships/membership.constants.js';
import type { MembershipGrant } from '../memberships/membership.rules.js';
import { builtInGrant, fieldGrant, RolePresets, unknownRole } from '../roles/role-presets.js';
import { invitationSnapshot, toMembershipData } from '../memberships/membership.mapper.js';
import {
  MembershipRepository,
  type BulkInviteItem,
  type BulkInviteItemOutcome,
  type BulkInviteOutcome,
  type LockedInvitation,
} from '../memberships/membership.repository.js';
import { LIVE_MEMBERSHIP_INDEX, type Membership } from '../memberships/membership-row.js';
import {
  assertWithinPolicy,
  policyRefusal,
  assertWithinGrantCeiling,
  emailKey,
  escalation,
  grantCeilingExcess,
  invitationState,
  previewState,
  type InvitationState,
} from '../memberships/membership.rules.js';
import { notOrganizationAdmin, OrganizationAdminPolicy } from '../memberships/organization-admin.policy.js';
import { MetricsService, type InvitationEvent } from '../metrics/metrics.service.js';
import { validateAs } from '../common/validation.js';
import type { BulkInviteResponseDto, BulkInviteResultDto } from './dto/bulk-invite-result.dto.js';
import type { BulkInviteDto } from './dto/bulk-invite.dto.js';
import { CreateInviteUserOrganizationDto } from './dto/create-invite-user-organization.dto.js';
import type { InvitationListResponseDto, InvitationResponseDto } from './dto/invitation.dto.js';
import type { InvitationLinkDto } from './dto/invitation-link.dto.js';
import type { InvitationPreviewResponseDto } from './dto/invitation-preview.dto.js';
import type { InviteUserOrganizationResponseDto } from './dto/invite-user-organization-response.dto.js';
import type { InviteUserResponseDto } from './dto/invite-user-response.dto.js';
import type { ResendInvitationResponseDto } from './dto/resend-invitation-response.dto.js';
import type { InviteUserDto } from './dto/invite-user.dto.js';
import { InvitationErrorCode } from './invitation-error-codes.js';
import { toInvitationDto } from './invitation.mapper.js';
import { hashInvitationToken, newInvitationToken } from './invitation-token.js';
import { maskEmail } from './mask-email.js';
import { ResendLimitedException } from './resend-limited.exception.js';

interface InviteCommand extends MembershipGrant {
  email: string;
  professionId: number | null;
  /** The organizationId the caller asked for, if any (else resolved by the admin policy). */
  organizationId?: number;
  /** false: no email; the answer carries the link instead. */
  sendEmail: boolean;
}

type InvitationTarget = { id: number } | { tokenHash: string };
type Answer = 'accept' | 'decline';

/** Records an audit event inside the current transaction. */
type Audit = (entry: AuditEntry) => Promise<void>;

/** The facts `invitationState` needs, from a locked invitation. */
const stateOf = (locked: LockedInvitation): InvitationState | undefined =>
  invitationState({ ...locked.membership, expired: locked.expired });

/**
 * The invitation lifecycle: invite (two seed routes), resend, revoke, list, accept and
 * decline by id or by the emailed token. Every change is one transaction (the invite, one
 * statement) that also writes its audit event and, where an email goes out, its outbox row;
 * the mail worker is woken after the commit and sends outside any transaction.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly sql: Sql,
    private readonly memberships: MembershipRepository,
    private readonly policy: OrganizationAdminPolicy,
    private readonly audit: AuditService,
    private readonly secrets: MailSecretBox,
    private readonly mail: MailOutboxWorker,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly roles: RolePresets,
  ) {}

  /**
   * A transaction whose audit events also count in `invitations_total`, once it has
   * committed (a rolled-back change counts nothing).
   */
  private async transaction<T>(work: (tx: Queryable, audit: Audit) => Promise<T>): Promise<T> {
    let events: InvitationEvent[] = [];
    const result = await this.sql.transaction((tx) => {
      events = [];
      return work(tx, async (entry) => {
        await this.audit.record(entry, tx);
        events.push(entry.action.replace(/^invitation\./, '') as InvitationEvent);
      });
    });
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
    sendEmail = true,
  ): Promise<InviteUserOrganizationResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    // a role is one of the organization's: which one must be known before it can be read
    const organization =
      body.roleKey === undefined ? organizationId : await this.policy.resolveAdminOrganization(auth, organizationId);
    const grant = body.roleKey === undefined ? fieldGrant(body) : await this.roles.resolve(organization!, body.roleKey);
    const { membership, link } = await this.invite(
      auth,
      { email: body.email, ...grant, professionId: body.professionId ?? null, organizationId: organization, sendEmail },
      requestId,
    );
    const answer: InviteUserOrganizationResponseDto = { data: toMembershipData(membership) };
    return link ? shownOnce({ ...answer, invitation: link }, ['invitation']) : answer;
  }

  async inviteUser(
    auth: AuthContext,
    body: InviteUserDto,
    requestId: string,
    sendEmail = true,
  ): Promise<InviteUserResponseDto> {
    // route 3's roleId names the two built-in roles
    const roleKey = body.roleId === '1' || body.roleId === 'admin' ? 'admin' : 'member';
    const { membership, inviteeEmail, link } = await this.invite(
      auth,
      {
        email: body.email,
        ...builtInGrant(roleKey),
        professionId: null,
        organizationId: body.organizationId === undefined ? undefined : parseId(body.organizationId),
        sendEmail,
      },
      requestId,
    );
    const answer: InviteUserResponseDto = {
      message: link
        ? `Invitation created; no email was sent: hand invitation.acceptUrl to ${inviteeEmail}`
        : `Invitation created; an email to ${inviteeEmail} is on its way`,
      user: {
        id: String(membership.userId),
        email: inviteeEmail,
        roleId: String(membership.scope),
        organizationId: String(membership.organizationId),
        status: 'invited',
      },
    };
    return link ? shownOnce({ ...answer, invitation: link }, ['invitation']) : answer;
  }

  /**
   * One round trip: the invite statement checks the caller is an active ADMIN of the
   * organization and that the grant fits under its own, and writes the invitee, the
   * invitation, its outbox mail and its audit events, atomically. Only on a conflict does a
   * second query find out which answer to give.
   */
  private async invite(
    auth: AuthContext,
    cmd: InviteCommand,
    requestId: string,
  ): Promise<{ membership: Membership; inviteeEmail: string; link?: InvitationLinkDto }> {
    const { token, hash } = newInvitationToken();
    const outboxId = newOutboxId();
    const requested = this.policy.requestedOrganization(auth, cmd.organizationId);
    let outcome;
    try {
      outcome = await this.memberships.invite({
        email: cmd.email,
        organizationId: requested ?? null,
        scope: cmd.scope,
        permissions: cmd.permissions,
        roleKey: cmd.roleKey,
        professionId: cmd.professionId,
        inviterId: auth.userId,
        tokenHash: hash,
        ttlSeconds: this.config.invitations.ttlSeconds,
        mailKind: INVITATION_MAIL_KIND,
        sealedToken: this.secrets.seal(token, { outboxId, recipient: cmd.email }),
        outboxId,
        sessionHash: sessionHash(auth.sessionId),
        requestId,
        sendEmail: cmd.sendEmail,
      });
    } catch (error) {
      if (isUniqueViolation(error, LIVE_MEMBERSHIP_INDEX)) {
        const organizationId = await this.policy.resolveAdminOrganization(auth, cmd.organizationId);
        throw await this.inviteConflict(cmd.email, organizationId);
      }
      throw error;
    }
    if (!outcome) {
      // No single organization where the caller is an active ADMIN: the policy says which
      // (403, or 400 when several need choosing between). Made admin since? Still 403 for
      // this statement, which saw no admin.
      await this.policy.resolveAdminOrganization(auth, cmd.organizationId);
      throw notOrganizationAdmin();
    }
    if (!outcome.withinCeiling) {
      // the statement wrote nothing: the grant exceeds the granter's own
      throw escalation(grantCeilingExcess(outcome.granter, cmd) ?? { scope: false, read: [], manage: [] });
    }
    // the organization's limits or allowed domains refused it; nothing was written
    assertWithinPolicy(outcome.policy);
    if (!outcome.membership || outcome.inviteeEmail === undefined) {
      throw new ConflictException(
        errorBody(
          'Another account holds a non-ASCII form of this address; an operator must correct it first',
          InvitationErrorCode.EMAIL_CONFLICT,
        ),
      );
    }
    if (outcome.expiredInvitations > 0) {
      this.metrics.invitation('expired');
    }
    this.metrics.invitation('created');
    if (!cmd.sendEmail) {
      return {
        membership: outcome.membership,
        inviteeEmail: outcome.inviteeEmail,
        link: this.linkOf(outcome.membership, token),
      };
    }
    this.mail.kick();
    return { membership: outcome.membership, inviteeEmail: outcome.inviteeEmail };
  }

  /** The link a caller that sends no email hands over itself: the one time its token is shown. */
  private linkOf(membership: Membership, token: string): InvitationLinkDto {
    return {
      id: membership.id,
      token,
      acceptUrl: acceptUrlFor(this.config.invitations.acceptUrl, token),
      expiresAt: membership.invitationExpiresAt!.toISOString(),
    };
  }

  /** Which live row the unique index found, read after the failed insert rolled back. */
  private async inviteConflict(email: string, organizationId: number): Promise<HttpException> {
    return conflictFor(await this.memberships.liveStatusByEmail(email, organizationId));
  }

  // --- bulk -------------------------------------------------------------------------------

  /**
   * Up to 100 invitations in one statement, each judged as the single invite judges it:
   * shape, duplicates within the request, grant ceiling, live memberships. `dryRun` and a
   * refused `atomic` bulk run the same statement in a transaction that is rolled back, so
   * their answers are the real ones and nothing stays written.
   */
  async bulkInvite(
    auth: AuthContext,
    pathUserId: number,
    body: BulkInviteDto,
    organizationId: number | undefined,
    requestId: string,
  ): Promise<{ status: 201 | 207; body: BulkInviteResponseDto }> {
    this.policy.assertCaller(auth, pathUserId);
    const sendEmail = body.sendEmail ?? true;
    const dryRun = body.dryRun ?? false;
    const atomic = body.atomic ?? false;
    const results: BulkInviteResultDto[] = [];
    const items: BulkInviteItem[] = [];
    const tokens = new Map<number, string>();
    const seen = new Set<string>();
    // role keys are the organization's: it is resolved once, and each key read once
    let roleOrganization: Promise<number> | undefined;
    const roleGrants = new Map<string, Promise<MembershipGrant | undefined>>();
    const roleGrant = (key: string) => {
      roleOrganization ??= this.policy.resolveAdminOrganization(auth, organizationId);
      const grant = roleGrants.get(key) ?? roleOrganization.then((org) => this.roles.find(org, key));
      roleGrants.set(key, grant);
      return grant;
    };
    for (const [index, raw] of body.invitations.entries()) {
      const email =
        typeof (raw as { email?: unknown } | null)?.email === 'string' ? (raw as { email: string }).email : null;
      const checked = await validateAs(CreateInviteUserOrganizationDto, raw, `invitations[${index}]`);
      if (checked.details) {
        results[index] = {
          index,
          email,
          status: 400,
          code: CommonErrorCode.VALIDATION_FAILED,
          error: 'Validation failed',
          details: checked.details,
        };
        continue;
      }
      const key = emailKey(checked.value.email);
      if (seen.has(key)) {
        results[index] = {
          index,
          email,
          status: 409,
          code: InvitationErrorCode.DUPLICATE_IN_REQUEST,
          error: 'The same address appears earlier in this request',
        };
        continue;
      }
      const item = checked.value;
      const grant = item.roleKey === undefined ? fieldGrant(item) : await roleGrant(item.roleKey);
      if (!grant) {
        const refusal = unknownRole(item.roleKey!, `invitations[${index}].roleKey`).getResponse() as object;
        results[index] = { index, email, status: 400, ...refusal };
        continue;
      }
      seen.add(key);
      const { token, hash } = newInvitationToken();
      const outboxId = newOutboxId();
      tokens.set(index, token);
      items.push({
        index,
        email: item.email,
        ...grant,
        professionId: item.professionId ?? null,
        tokenHash: hash,
        sealedToken: sendEmail ? this.secrets.seal(token, { outboxId, recipient: item.email }) : '',
        outboxId,
      });
    }

    const run = (q: Queryable) =>
      this.memberships.inviteMany(q, items, {
        organizationId: this.policy.requestedOrganization(auth, organizationId) ?? null,
        inviterId: auth.userId,
        ttlSeconds: this.config.invitations.ttlSeconds,
        mailKind: INVITATION_MAIL_KIND,
        sendEmail,
        sessionHash: sessionHash(auth.sessionId),
        requestId,
      });
    const allCreated = (o: BulkInviteOutcome | undefined) =>
      o !== undefined && items.length === body.invitations.length && o.items.every((i) => i.outcome === 'created');
    let outcome: BulkInviteOutcome | undefined;
    let kept = !dryRun;
    if (items.length === 0) {
      outcome = undefined;
      kept = false;
    } else if (dryRun || atomic) {
      try {
        outcome = await this.sql.transaction(async (tx) => {
          const o = await run(tx);
          if (o && (dryRun || !allCreated(o))) {
            throw new RolledBack(o);
          }
          return o;
        });
      } catch (error) {
        if (!(error instanceof RolledBack)) {
          throw error;
        }
        outcome = error.outcome;
        kept = false;
      }
    } else {
      outcome = await run(this.sql);
    }
    if (!outcome) {
      // not the ADMIN of exactly one organization: 403, or 400 when it must choose
      await this.policy.resolveAdminOrganization(auth, organizationId);
      if (items.length > 0) {
        throw notOrganizationAdmin();
      }
    }
    for (const item of outcome?.items ?? []) {
      const email = items.find((i) => i.index === item.index)!;
      results[item.index] = this.bulkResult(
        item,
        email,
        outcome!,
        kept && !sendEmail ? tokens.get(item.index) : undefined,
      );
    }
    const created = results.filter((r) => r.status === 201).length;
    const summary = { created, failed: results.length - created };
    if (kept && outcome) {
      if (outcome.expiredInvitations > 0) {
        this.metrics.invitation('expired', outcome.expiredInvitations);
      }
      if (created > 0) {
        this.metrics.invitation('created', created);
        if (sendEmail) {
          this.mail.kick();
        }
      }
    }
    if (atomic && summary.failed > 0) {
      throw new ConflictException({
        ...errorBody('Not every invitation could be created: nothing was written', InvitationErrorCode.BULK_NOT_ATOMIC),
        results,
        summary,
      });
    }
    return { status: atomic ? 201 : 207, body: { results, summary } };
  }

  private bulkResult(
    item: BulkInviteItemOutcome,
    sent: BulkInviteItem,
    outcome: BulkInviteOutcome,
    token: string | undefined,
  ): BulkInviteResultDto {
    const base = { index: item.index, email: sent.email };
    switch (item.outcome) {
      case 'created': {
        const created = { ...base, status: 201, data: toMembershipData(item.membership) };
        return token === undefined
          ? created
          : shownOnce(
              {
                ...created,
                invitation: {
                  id: item.membership.id,
                  token,
                  acceptUrl: acceptUrlFor(this.config.invitations.acceptUrl, token),
                  expiresAt: item.membership.invitationExpiresAt!.toISOString(),
                },
              },
              ['invitation'],
            );
      }
      case 'exceeds_ceiling': {
        const refused = escalation(grantCeilingExcess(outcome.granter, sent) ?? { scope: false, read: [], manage: [] });
        const body = refused.getResponse() as {
          error: string;
          code: string;
          details: { path: string; message: string }[];
        };
        return {
          ...base,
          status: 403,
          code: body.code,
          error: body.error,
          details: body.details.map((d) => ({ ...d, path: `invitations[${item.index}].${d.path}` })),
        };
      }
      case 'policy': {
        const refusal = policyRefusal(item.verdict)!;
        const refused = refusal.getResponse() as { error: string; code: string };
        return { ...base, status: refusal.getStatus(), code: refused.code, error: refused.error };
      }
      case 'email_conflict':
        return {
          ...base,
          status: 409,
          code: InvitationErrorCode.EMAIL_CONFLICT,
          error: 'Another account holds a non-ASCII form of this address; an operator must correct it first',
        };
      case 'conflict': {
        const conflict = conflictFor(item.liveStatus).getResponse() as { error: string; code: string };
        return { ...base, status: 409, code: conflict.code, error: conflict.error };
      }
    }
  }

  // --- admin: resend, revoke, read ----------------------------------------------------------

  /**
   * A new token and expiry, and a new email. It grants nothing new, and nobody re-issues a
   * grant above its own: the resender's ceiling applies as to an invite.
   */
  async resend(
    auth: AuthContext,
    pathUserId: number,
    invitationId: number,
    requestId: string,
    sendEmail = true,
  ): Promise<ResendInvitationResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    const { token, hash } = newInvitationToken();
    const limit = this.config.invitations.resendLimitPerHour;
    const { view, renewed } = await this.transaction(async (tx, audit) => {
      const { locked, granter } = await this.lockForAdmin(tx, auth, invitationId, limit);
      const row = locked.membership;
      const state = stateOf(locked)!;
      if (state === 'accepted') {
        throw alreadyAccepted();
      }
      if (!(state === 'pending' || (state === 'expired' && row.deletedAt === null))) {
        throw gone(state);
      }
      assertWithinGrantCeiling(granter, row);
      if (locked.retryAfterSeconds !== null) {
        throw new ResendLimitedException(locked.retryAfterSeconds, limit);
      }
      const outboxId = newOutboxId();
      const recipient = await this.memberships.emailOf(tx, row.userId);
      const { membership: after, mailId } = await this.memberships.renewInvitation(tx, {
        id: row.id,
        tokenHash: hash,
        ttlSeconds: this.config.invitations.ttlSeconds,
        mailKind: INVITATION_RESENT_MAIL_KIND,
        sealedToken: this.secrets.seal(token, { outboxId, recipient }),
        resentBy: auth.userId,
        outboxId,
        sendEmail,
      });
      await audit({
        action: 'invitation.resent',
        actor: auth,
        organizationId: row.organizationId,
        targetUserId: row.userId,
        membershipId: row.id,
        before: invitationSnapshot(row),
        after: { ...invitationSnapshot(after), mailId, sendEmail },
        requestId,
      });
      return { view: (await this.memberships.invitationView(row.id, tx))!, renewed: after };
    });
    if (!sendEmail) {
      return shownOnce(
        { data: toInvitationDto(view, { showMailError: true }), invitation: this.linkOf(renewed, token) },
        ['invitation'],
      );
    }
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
    return this.revokeWhere(auth, () => Promise.resolve(invitationId), requestId);
  }

  /**
   * Revokes the live invitation of an address in the organization resolved as for an invite
   * (404 when there is none), through the same path, checks and audit as revoke by id.
   */
  async revokeByEmail(
    auth: AuthContext,
    pathUserId: number,
    email: string,
    requestedOrganizationId: number | undefined,
    requestId: string,
  ): Promise<InvitationResponseDto> {
    const organizationId = await this.policy.callerAdminOrganization(auth, pathUserId, requestedOrganizationId);
    return this.revokeWhere(
      auth,
      async (tx) => {
        const id = await this.memberships.liveInvitationIdByEmail(tx, organizationId, email);
        if (id === undefined) {
          throw new NotFoundException(
            errorBody(
              'No pending invitation for this address in the organization',
              InvitationErrorCode.INVITATION_NOT_FOUND,
            ),
          );
        }
        return id;
      },
      requestId,
    );
  }

  /** Revoke (by id, or by whatever finds the id in the transaction): one transaction, audited. */
  private async revokeWhere(
    auth: AuthContext,
    find: (tx: Queryable) => Promise<number>,
    requestId: string,
  ): Promise<InvitationResponseDto> {
    const view = await this.transaction(async (tx, audit) => {
      const { locked } = await this.lockForAdmin(tx, auth, await find(tx));
      const row = locked.membership;
      const state = stateOf(locked)!;
      if (state === 'revoked') {
        return (await this.memberships.invitationView(row.id, tx))!;
      }
      if (state === 'accepted') {
        throw alreadyAccepted();
      }
      if (!(state === 'pending' || (state === 'expired' && row.deletedAt === null))) {
        throw gone(state);
      }
      await this.end(tx, audit, auth, row, 'revoked', requestId);
      return (await this.memberships.invitationView(row.id, tx))!;
    });
    return { data: toInvitationDto(view, { showMailError: true }) };
  }

  /**
   * One invitation, for its invitee or an admin of its organization (admins also see mail
   * errors); anybody else is told it does not exist.
   */
  async getInvitation(auth: AuthContext, pathUserId: number, invitationId: number): Promise<InvitationResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    const row = await this.memberships.invitationView(invitationId);
    if (!row) {
      throw invitationNotFound();
    }
    const admin = await this.policy.isAdmin(auth.userId, Number(row.organization_id));
    if (!admin && Number(row.user_id) !== auth.userId) {
      throw invitationNotFound();
    }
    return { data: toInvitationDto(row, { showMailError: admin }) };
  }

  // --- anybody with the token: preview ------------------------------------------------------

  /**
   * What the holder of a token may know of its invitation before signing in: the
   * organization, the role, the inviter and the invitee masked, the expiry and the state.
   * 404 for a token no invitation has (never issued, or replaced by a resend).
   */
  async preview(token: string): Promise<InvitationPreviewResponseDto> {
    const row = await this.memberships.invitationByTokenHash(hashInvitationToken(token));
    if (!row) {
      throw invitationNotFound();
    }
    return {
      data: {
        organization: { id: Number(row.organization_id), name: row.organization_name },
        email: maskEmail(row.email),
        scope: row.scope,
        roleKey: null,
        invitedBy: row.inviter_email === null ? null : { email: maskEmail(row.inviter_email) },
        expiresAt: new Date(row.invitation_expires_at!).toISOString(),
        state: previewState({
          status: row.status,
          deletedAt: row.deleted_at,
          endReason: row.end_reason,
          acceptedAt: row.accepted_at,
          invitationExpiresAt: row.invitation_expires_at,
          expired: row.expired,
          inviterHasAuthority: row.inviter_has_authority,
        }),
      },
    };
  }

  // --- invitee: list, accept, decline -------------------------------------------------------

  async listMine(
    auth: AuthContext,
    pathUserId: number,
    query: { cursor?: string; limit: number; includeExpired: boolean },
  ): Promise<InvitationListResponseDto> {
    this.policy.assertCaller(auth, pathUserId);
    const rows = await this.memberships.pendingInvitationsOf(auth.userId, {
      after: decodeCursor(query.cursor),
      limit: query.limit,
      includeExpired: query.includeExpired,
    });
    const page = pageOf(
      rows.map((row) => ({ id: Number(row.id), row })),
      query.limit,
    );
    return {
      data: page.items.map(({ row }) => toInvitationDto(row, { showMailError: false })),
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
    const row = await this.transaction(async (tx, audit) => {
      const locked = await this.memberships.lockInvitation(tx, target);
      const state = locked && !locked.organizationDeleted ? stateOf(locked) : undefined;
      if (!locked || state === undefined) {
        throw invitationNotFound();
      }
      if (locked.membership.userId !== auth.userId) {
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
        ? this.accept(tx, audit, auth, locked, state, requestId)
        : this.decline(tx, audit, auth, locked, state, requestId);
    });
    return { data: toMembershipData(row) };
  }

  private async accept(
    tx: Queryable,
    audit: Audit,
    auth: AuthContext,
    locked: LockedInvitation,
    state: InvitationState,
    requestId: string,
  ): Promise<Membership> {
    const row = locked.membership;
    if (state === 'accepted') {
      return row; // accepting twice returns the same membership
    }
    if (state !== 'pending') {
      throw gone(state);
    }
    if (!locked.inviterHasAuthority) {
      // another tool demoted or removed the inviter without revoking its invitations
      throw gone('revoked');
    }
    // The invitation already holds its seat; a limit lowered below the count since, or a
    // domain no longer allowed, still refuses the new member.
    const verdict = await this.memberships.policyVerdict(tx, row.organizationId, row.userId, { seats: 0, pending: 0 });
    if (verdict) {
      assertWithinPolicy(verdict);
    }
    const { membership: after, userActivated } = await this.memberships.acceptInvitation(tx, row.id, row.userId);
    await audit({
      action: 'invitation.accepted',
      actor: auth,
      organizationId: row.organizationId,
      targetUserId: row.userId,
      membershipId: row.id,
      before: invitationSnapshot(row),
      after: { ...invitationSnapshot(after), userActivated },
      requestId,
    });
    return after;
  }

  private async decline(
    tx: Queryable,
    audit: Audit,
    auth: AuthContext,
    locked: LockedInvitation,
    state: InvitationState,
    requestId: string,
  ): Promise<Membership> {
    if (state === 'declined') {
      return locked.membership;
    }
    if (state === 'accepted') {
      throw alreadyAccepted();
    }
    if (state !== 'pending') {
      throw gone(state);
    }
    return this.end(tx, audit, auth, locked.membership, 'declined', requestId);
  }

  // --- shared ----------------------------------------------------------------------------

  /** Ends a pending invitation (soft delete, its pending mails cancelled) and audits it. */
  private async end(
    tx: Queryable,
    audit: Audit,
    auth: AuthContext,
    row: Membership,
    reason: 'revoked' | 'declined',
    requestId: string,
  ): Promise<Membership> {
    const after = (await this.memberships.end(tx, row.id, undefined, reason, auth.userId))!;
    await audit({
      action: `invitation.${reason}`,
      actor: auth,
      organizationId: row.organizationId,
      targetUserId: row.userId,
      membershipId: row.id,
      before: invitationSnapshot(row),
      after: { ...invitationSnapshot(after), endReason: reason },
      requestId,
    });
    return after;
  }

  /**
   * Locks an invitation an admin acts on, and the caller's own ADMIN row: 404 unless it is
   * an invitation and the caller administers its organization (another organization's
   * invitations do not exist for the caller).
   */
  private async lockForAdmin(
    tx: Queryable,
    auth: AuthContext,
    invitationId: number,
    resendLimit?: number,
  ): Promise<{ locked: LockedInvitation; granter: { scope: Scope; permissions: Permissions } }> {
    const locked = await this.memberships.lockInvitation(
      tx,
      { id: invitationId },
      resendLimit === undefined ? undefined : { limit: resendLimit, mailKind: INVITATION_RESENT_MAIL_KIND },
    );
    const granter =
      locked && !locked.organizationDeleted && stateOf(locked) !== undefined
        ? await this.memberships.lockGranter(tx, auth.userId, locked.membership.organizationId)
        : undefined;
    if (!locked || !granter) {
      throw invitationNotFound();
    }
    return { locked, granter };
  }
}

/** 409 for an invitee who already has a live membership of this status. */
function conflictFor(liveStatus: string | null | undefined): ConflictException {
  switch (liveStatus) {
    case 'active':
      return new ConflictException(
        errorBody('This person is already a member of the organization', InvitationErrorCode.MEMBERSHIP_ALREADY_EXISTS),
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

/** Thrown inside a transaction to roll it back and carry out what it saw. */
class RolledBack extends Error {
  constructor(readonly outcome: BulkInviteOutcome) {
    super('rolled back on purpose');
  }
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
