import { ConflictException, ForbiddenException } from '@nestjs/common';
import { errorBody } from '../common/error-body.js';
import { MembershipErrorCode, PolicyErrorCode } from './membership-error-codes.js';
import { Scope, type MembershipEndReason, type MembershipStatus, type Permissions } from './membership.constants.js';

/**
 * The rules of a membership, each written once, as plain functions of rows: the services
 * apply them, the repository's statements carry the SQL form of the grant ceiling beside
 * which it is defined here, and their unit specs run without a database.
 */

/** The fields of a membership the rules look at. */
export interface MembershipFacts {
  scope: Scope;
  status: MembershipStatus;
  deletedAt: Date | string | null;
}

/** Only an ADMIN (scope 1) whose membership is accepted and live may invite and manage. */
export function isActiveAdmin(m: MembershipFacts): boolean {
  return m.deletedAt === null && m.status === 'active' && m.scope === Scope.ADMIN;
}

/** What a membership grants: a role and permission ids. */
export interface Grant {
  scope: Scope;
  permissions: Permissions;
}

/** A grant as a membership keeps it: with the key of the role it was copied from (null: none). */
export interface MembershipGrant extends Grant {
  roleKey: string | null;
}

/** What a grant asks beyond its granter; empty when none. */
export interface CeilingExcess {
  scope: boolean;
  read: number[];
  manage: number[];
}

/**
 * The grant ceiling: nobody grants more than they hold. The scope granted must be at least
 * the granter's own scope number (an ADMIN may grant ADMIN), and each `read` and `manage`
 * id within the granter's own `read` and `manage` (`manage` does not imply `read`). On a
 * change, ids the member already holds (`held`) may stay. `group` is a classification, not
 * a grant. Returns what exceeds, or undefined when the grant fits.
 */
export function grantCeilingExcess(granter: Grant, grant: Grant, held?: Grant): CeilingExcess | undefined {
  const canRead = new Set(granter.permissions.read);
  const canManage = new Set(granter.permissions.manage);
  const hadRead = new Set(held?.permissions.read ?? []);
  const hadManage = new Set(held?.permissions.manage ?? []);
  const read = unique(grant.permissions.read.filter((id) => !canRead.has(id) && !hadRead.has(id)));
  const manage = unique(grant.permissions.manage.filter((id) => !canManage.has(id) && !hadManage.has(id)));
  const scope = grant.scope < granter.scope && !(held !== undefined && held.scope === grant.scope);
  return scope || read.length > 0 || manage.length > 0 ? { scope, read, manage } : undefined;
}

/**
 * The same rule as {@link grantCeilingExcess} without `held` (a new grant), as a SQL
 * predicate, for statements that decide and write in one round trip. `granter` is a row
 * alias with `scope` and `permissions` columns; jsonb `<@` on arrays is set containment,
 * so order and repeats do not matter here either.
 */
export function grantCeilingSql(granter: string, scope: string, permissions: string): string {
  return (
    `(${scope} >= ${granter}.scope` +
    ` AND (${permissions}->'read') <@ (${granter}.permissions->'read')` +
    ` AND (${permissions}->'manage') <@ (${granter}.permissions->'manage'))`
  );
}

/**
 * An organization's limits and how many of them are used, as one row of a statement (the
 * columns `max_members`, `max_pending_invitations`, `allowed_email_domains`, `seats`: active
 * members plus pending invitations, `pending`: pending invitations, unexpired). `org` is a
 * scalar SQL expression naming the organization.
 *
 * Only an organization with a seat or pending limit is locked and counted: the
 * `organization_usage` function (see the OrganizationPolicy migration) locks its row FOR NO
 * KEY UPDATE and then counts with a fresh snapshot, so every statement that adds a live
 * membership there waits for the one before it to commit and counts what it wrote. Counting
 * in the calling statement itself would not do: its snapshot is taken before it waits for
 * the lock. An unlimited organization (the usual case) costs one primary-key read.
 */
export function organizationLimitsSql(org: string): string {
  return `
    SELECT o.id AS limits_organization_id, o.max_members, o.max_pending_invitations, o.allowed_email_domains,
           COALESCE(usage.seats, 0) AS seats, COALESCE(usage.pending, 0) AS pending
      FROM organizations o
      LEFT JOIN LATERAL (
        SELECT * FROM organization_usage(o.id)
         WHERE o.max_members IS NOT NULL OR o.max_pending_invitations IS NOT NULL
      ) usage ON true
     WHERE o.id = (${org})`;
}

/**
 * The seat limit, in SQL: `adding` more seats (a SQL integer expression) still fit under
 * `max_members` of the limits row `limits`. Lowering the limit below the count removes
 * nobody; it refuses new seats until enough leave.
 */
export const seatsFreeSql = (limits: string, adding: string): string =>
  `(${limits}.max_members IS NULL OR ${limits}.seats + ${adding} <= ${limits}.max_members)`;

/** The pending-invitation limit, in SQL: `adding` more pending invitations still fit. */
export const pendingFreeSql = (limits: string, adding: string): string =>
  `(${limits}.max_pending_invitations IS NULL OR ${limits}.pending + ${adding} <= ${limits}.max_pending_invitations)`;

/**
 * The allowed email domains, in SQL: the domain of `email` (after its last `@`) is one of
 * the organization's, exactly, ASCII letters compared case-insensitively (domains are
 * stored lower-case; `translate` lower-cases ASCII only, never by locale).
 */
export const emailDomainAllowedSql = (limits: string, email: string): string =>
  `(${limits}.allowed_email_domains IS NULL OR translate(substring(${email} from '@([^@]*)$'), ` +
  `'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = ANY (${limits}.allowed_email_domains))`;

/** Which of an organization's limits a new live membership meets (from the SQL forms above). */
export interface PolicyVerdict {
  seatsFree: boolean;
  pendingFree: boolean;
  domainAllowed: boolean;
}

/** The error of the first policy rule a verdict breaks (domain, then seats, then pending), or undefined. */
export function policyRefusal(verdict: PolicyVerdict): ForbiddenException | ConflictException | undefined {
  if (!verdict.domainAllowed) {
    return new ForbiddenException(
      errorBody(
        "The address's domain is not one of the organization's allowed email domains",
        PolicyErrorCode.EMAIL_DOMAIN_NOT_ALLOWED,
      ),
    );
  }
  if (!verdict.seatsFree) {
    return new ConflictException(
      errorBody(
        'The organization has no free seat: active members and pending invitations reach its maxMembers',
        PolicyErrorCode.SEAT_LIMIT_REACHED,
      ),
    );
  }
  if (!verdict.pendingFree) {
    return new ConflictException(
      errorBody(
        'The organization has as many pending invitations as its maxPendingInvitations allows',
        PolicyErrorCode.PENDING_INVITATION_LIMIT,
      ),
    );
  }
  return undefined;
}

/** Throws the error of the first policy rule the verdict breaks. */
export function assertWithinPolicy(verdict: PolicyVerdict): void {
  const refusal = policyRefusal(verdict);
  if (refusal) {
    throw refusal;
  }
}

/** 403 PERMISSION_ESCALATION naming what exceeds the granter's own. */
export function assertWithinGrantCeiling(granter: Grant, grant: Grant, held?: Grant): void {
  const excess = grantCeilingExcess(granter, grant, held);
  if (excess) {
    throw escalation(excess);
  }
}

export function escalation(excess: CeilingExcess): ForbiddenException {
  const details = [
    ...(excess.scope ? [{ path: 'scope', message: 'a higher role than your own is not yours to grant' }] : []),
    ...(excess.read.length > 0
      ? [{ path: 'permissions.read', message: `not yours to grant: ${excess.read.join(', ')}` }]
      : []),
    ...(excess.manage.length > 0
      ? [{ path: 'permissions.manage', message: `not yours to grant: ${excess.manage.join(', ')}` }]
      : []),
  ];
  return new ForbiddenException(
    errorBody('You cannot grant permissions you do not hold yourself', MembershipErrorCode.PERMISSION_ESCALATION, {
      details,
    }),
  );
}

/**
 * The last active ADMIN can be neither demoted, removed nor leave. `otherActiveAdmins`
 * counts the organization's other active ADMIN rows, read under lock, so no concurrent
 * change can be counted on.
 */
export function assertAdminRemains(before: MembershipFacts, after: MembershipFacts, otherActiveAdmins: number): void {
  if (isActiveAdmin(before) && !isActiveAdmin(after) && otherActiveAdmins === 0) {
    throw new ConflictException(
      errorBody(
        'This is the last active admin of the organization: make another member admin first',
        MembershipErrorCode.LAST_ADMIN,
      ),
    );
  }
}

/** An ADMIN that stops being one takes the pending invitations it sent with it. */
export function losesAdminAuthority(before: MembershipFacts, after: MembershipFacts): boolean {
  return isActiveAdmin(before) && !isActiveAdmin(after);
}

/** Permission sets compared as sets: order and repeats do not matter. */
export function samePermissions(a: Permissions, b: Permissions): boolean {
  return a.group === b.group && sameSet(a.read, b.read) && sameSet(a.manage, b.manage);
}

/** A change that leaves scope, permissions, role key and profession as they are is not a change. */
export function changesNothing(
  before: MembershipGrant & { professionId: number | null },
  after: MembershipGrant & { professionId: number | null },
): boolean {
  return (
    before.scope === after.scope &&
    samePermissions(before.permissions, after.permissions) &&
    before.roleKey === after.roleKey &&
    before.professionId === after.professionId
  );
}

/**
 * The key that says two addresses are the same person: ASCII letters lower-cased, byte for
 * byte, never a locale's or Unicode's folding (under which `İ`, the Kelvin sign or `ß` fold
 * onto ASCII letters). The database compares stored addresses, all ASCII, the same way.
 */
export function emailKey(email: string): string {
  return email.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

export const INVITATION_STATES = ['pending', 'expired', 'accepted', 'declined', 'revoked', 'ended'] as const;
export type InvitationState = (typeof INVITATION_STATES)[number];

export interface InvitationFacts {
  status: MembershipStatus;
  deletedAt: Date | string | null;
  endReason: MembershipEndReason | null;
  acceptedAt: Date | string | null;
  invitationExpiresAt: Date | string | null;
  /** Computed by the database (`invitation_expires_at <= now()`), so one clock decides. */
  expired: boolean;
}

/** Where an invitation stands; undefined when the membership never was an invitation. */
export function invitationState(row: InvitationFacts): InvitationState | undefined {
  if (row.invitationExpiresAt === null) {
    return undefined;
  }
  if (row.deletedAt === null) {
    if (row.status === 'invited') {
      return row.expired ? 'expired' : 'pending';
    }
    return 'accepted';
  }
  if (row.acceptedAt !== null) {
    return 'ended';
  }
  switch (row.endReason) {
    case 'declined':
    case 'expired':
      return row.endReason;
    default:
      // revoked, by an admin, with its inviter's authority, or by a member removal route
      return 'revoked';
  }
}

/** What a live invitation's list item says of it: `pending` or `expired`; null for anything else. */
export function liveInvitationState(row: InvitationFacts): 'pending' | 'expired' | null {
  return row.status === 'invited' && row.deletedAt === null && row.invitationExpiresAt !== null
    ? row.expired
      ? 'expired'
      : 'pending'
    : null;
}

/** The states an invitation's token holder is told of: an accepted membership ended since is still accepted. */
export const PREVIEW_STATES = ['pending', 'accepted', 'declined', 'revoked', 'expired'] as const;
export type PreviewState = (typeof PREVIEW_STATES)[number];

/**
 * Where an invitation stands for the holder of its token. A pending invitation whose inviter
 * is no longer an active ADMIN of the organization (whatever changed it) is revoked: it could
 * not be accepted.
 */
export function previewState(row: InvitationFacts & { inviterHasAuthority: boolean }): PreviewState {
  const state = invitationState(row) ?? 'accepted';
  switch (state) {
    case 'ended':
      return 'accepted';
    case 'pending':
      return row.inviterHasAuthority ? 'pending' : 'revoked';
    case 'expired':
    case 'accepted':
    case 'declined':
    case 'revoked':
      return state;
  }
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)];
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((id) => right.has(id));
}
