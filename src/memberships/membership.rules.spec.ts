import { ConflictException, ForbiddenException } from '@nestjs/common';
import fc from 'fast-check';
import { Scope, type MembershipStatus, type Permissions } from './membership.constants.js';
import {
  assertAdminRemains,
  assertWithinGrantCeiling,
  changesNothing,
  grantCeilingExcess,
  invitationState,
  isActiveAdmin,
  liveInvitationState,
  losesAdminAuthority,
  previewState,
  samePermissions,
  type Grant,
  type MembershipFacts,
} from './membership.rules.js';

/** A fixed seed unless FC_SEED says otherwise; fast-check names it in every failure report. */
const FC_SEED = process.env.FC_SEED === undefined ? 0x5eed : Number(process.env.FC_SEED);
const runs = { numRuns: 200, seed: FC_SEED };

// Small id ranges, so that grants and granters overlap often: subsets and near-misses both.
const ids = fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 8 });
const scope = fc.constantFrom(Scope.ADMIN, Scope.MEMBER);
const grant = fc.record({
  scope,
  permissions: fc.record({ group: fc.integer({ min: 0, max: 2 }), read: ids, manage: ids }),
});

/** The rule restated from the contract, independently of the implementation. */
function oracleExcess(granter: Grant, g: Grant, held?: Grant) {
  const allowedRead = [...granter.permissions.read, ...(held?.permissions.read ?? [])];
  const allowedManage = [...granter.permissions.manage, ...(held?.permissions.manage ?? [])];
  return {
    scope: g.scope < granter.scope && held?.scope !== g.scope,
    read: [...new Set(g.permissions.read.filter((id) => !allowedRead.includes(id)))].sort(),
    manage: [...new Set(g.permissions.manage.filter((id) => !allowedManage.includes(id)))].sort(),
  };
}

const sorted = (a: number[]) => [...a].sort();

describe('grantCeilingExcess (the grant ceiling)', () => {
  it('fits exactly when read ⊆ granter.read and manage ⊆ granter.manage and scope ≥ granter scope (property)', () => {
    fc.assert(
      fc.property(grant, grant, (granter, g) => {
        const subset =
          g.scope >= granter.scope &&
          g.permissions.read.every((id) => granter.permissions.read.includes(id)) &&
          g.permissions.manage.every((id) => granter.permissions.manage.includes(id));
        const excess = grantCeilingExcess(granter, g);
        expect(excess === undefined).toBe(subset);
        if (excess) {
          const expected = oracleExcess(granter, g);
          expect({ ...excess, read: sorted(excess.read), manage: sorted(excess.manage) }).toEqual(expected);
        }
      }),
      runs,
    );
  });

  it('on a change, lets held ids stay and refuses only the ids added beyond the granter (property)', () => {
    fc.assert(
      fc.property(grant, grant, grant, (granter, g, held) => {
        const expected = oracleExcess(granter, g, held);
        const fits = !expected.scope && expected.read.length === 0 && expected.manage.length === 0;
        const excess = grantCeilingExcess(granter, g, held);
        expect(excess === undefined).toBe(fits);
        if (excess) {
          expect({ ...excess, read: sorted(excess.read), manage: sorted(excess.manage) }).toEqual(expected);
        }
      }),
      runs,
    );
  });

  it('does not read `manage` as implying `read`, nor `read` as implying `manage`', () => {
    const admin = (read: number[], manage: number[]): Grant => ({
      scope: Scope.ADMIN,
      permissions: { group: 0, read, manage },
    });
    expect(grantCeilingExcess(admin([], [3]), admin([3], []))).toEqual({ scope: false, read: [3], manage: [] });
    expect(grantCeilingExcess(admin([3], []), admin([], [3]))).toEqual({ scope: false, read: [], manage: [3] });
  });

  it('names each excess id once, whatever the order and repeats of the grant', () => {
    const granter: Grant = { scope: Scope.ADMIN, permissions: { group: 0, read: [1], manage: [] } };
    const g: Grant = { scope: Scope.MEMBER, permissions: { group: 7, read: [99, 1, 2, 99, 3], manage: [2, 2] } };
    expect(grantCeilingExcess(granter, g)).toEqual({ scope: false, read: [99, 2, 3], manage: [2] });
  });

  it('lets a MEMBER granter grant no ADMIN, and an ADMIN grant ADMIN; a held ADMIN scope may stay', () => {
    const member: Grant = { scope: Scope.MEMBER, permissions: { group: 0, read: [], manage: [] } };
    const admin: Grant = { scope: Scope.ADMIN, permissions: { group: 0, read: [], manage: [] } };
    expect(grantCeilingExcess(member, admin)).toEqual({ scope: true, read: [], manage: [] });
    expect(grantCeilingExcess(admin, admin)).toBeUndefined();
    expect(grantCeilingExcess(member, admin, admin)).toBeUndefined();
  });

  it('assertWithinGrantCeiling: 403 PERMISSION_ESCALATION naming the ids, per field', () => {
    const granter: Grant = { scope: Scope.ADMIN, permissions: { group: 0, read: [1], manage: [] } };
    let thrown: unknown;
    try {
      assertWithinGrantCeiling(granter, {
        scope: Scope.MEMBER,
        permissions: { group: 0, read: [1, 2, 3, 99], manage: [1, 99] },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ForbiddenException);
    expect((thrown as ForbiddenException).getResponse()).toEqual({
      error: expect.any(String),
      code: 'PERMISSION_ESCALATION',
      details: [
        { path: 'permissions.read', message: expect.stringMatching(/: 2, 3, 99$/) },
        { path: 'permissions.manage', message: expect.stringMatching(/: 1, 99$/) },
      ],
    });
    expect(() =>
      assertWithinGrantCeiling(granter, { scope: Scope.ADMIN, permissions: granter.permissions }),
    ).not.toThrow();
  });
});

describe('isActiveAdmin', () => {
  const facts = (scope: Scope, status: MembershipStatus, deletedAt: string | null): MembershipFacts => ({
    scope,
    status,
    deletedAt,
  });
  it.each([
    [Scope.ADMIN, 'active', null, true],
    [Scope.ADMIN, 'invited', null, false],
    [Scope.ADMIN, 'active', '2030-01-01T00:00:00Z', false],
    [Scope.MEMBER, 'active', null, false],
    [Scope.MEMBER, 'invited', '2030-01-01T00:00:00Z', false],
  ] as const)('scope %s, %s, deletedAt %s → %s', (scope, status, deletedAt, expected) => {
    expect(isActiveAdmin(facts(scope, status, deletedAt))).toBe(expected);
  });
});

describe('assertAdminRemains and losesAdminAuthority', () => {
  const admin: MembershipFacts = { scope: Scope.ADMIN, status: 'active', deletedAt: null };
  const demoted: MembershipFacts = { ...admin, scope: Scope.MEMBER };
  const removed: MembershipFacts = { ...admin, deletedAt: new Date() };
  const member: MembershipFacts = { scope: Scope.MEMBER, status: 'active', deletedAt: null };
  const invitedAdmin: MembershipFacts = { scope: Scope.ADMIN, status: 'invited', deletedAt: null };

  const lastAdmin = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictException);
      return (error as ConflictException).getResponse();
    }
    return undefined;
  };

  it.each([
    ['demoted', demoted],
    ['removed or left', removed],
  ])('refuses the last active ADMIN being %s (409 LAST_ADMIN)', (_what, after) => {
    expect(lastAdmin(() => assertAdminRemains(admin, after, 0))).toMatchObject({ code: 'LAST_ADMIN' });
  });

  it('lets an ADMIN go when another active ADMIN remains', () => {
    expect(() => assertAdminRemains(admin, demoted, 1)).not.toThrow();
    expect(() => assertAdminRemains(admin, removed, 2)).not.toThrow();
  });

  it('does not count a change that keeps the ADMIN, or one of a member or pending invitation', () => {
    expect(() => assertAdminRemains(admin, { ...admin }, 0)).not.toThrow();
    expect(() => assertAdminRemains(member, { ...member, deletedAt: new Date() }, 0)).not.toThrow();
    expect(() => assertAdminRemains(invitedAdmin, { ...invitedAdmin, deletedAt: new Date() }, 0)).not.toThrow();
  });

  it.each([
    ['an active ADMIN demoted', true, admin, demoted],
    ['an active ADMIN removed', true, admin, removed],
    ['an active ADMIN kept', false, admin, { ...admin }],
    ['a member promoted', false, member, { ...member, scope: Scope.ADMIN }],
    ['a pending ADMIN invitation ended', false, invitedAdmin, { ...invitedAdmin, deletedAt: new Date() }],
  ] as const)('losesAdminAuthority: %s → %s', (_what, expected, before, after) => {
    expect(losesAdminAuthority(before, after)).toBe(expected);
  });
});

describe('samePermissions and changesNothing', () => {
  const p = (group: number, read: number[], manage: number[]): Permissions => ({ group, read, manage });

  it('compares read and manage as sets: order and repeats do not matter (property)', () => {
    fc.assert(
      fc.property(ids, ids, fc.integer({ min: 0, max: 3 }), (read, manage, group) => {
        const shuffled = (a: number[]) => [...a, ...a].reverse();
        expect(samePermissions(p(group, read, manage), p(group, shuffled(read), shuffled(manage)))).toBe(true);
      }),
      runs,
    );
  });

  it('tells different sets and groups apart (property)', () => {
    fc.assert(
      fc.property(ids, ids, ids, ids, (r1, m1, r2, m2) => {
        const setEq = (a: number[], b: number[]) => a.every((id) => b.includes(id)) && b.every((id) => a.includes(id));
        expect(samePermissions(p(0, r1, m1), p(0, r2, m2))).toBe(setEq(r1, r2) && setEq(m1, m2));
      }),
      runs,
    );
    expect(samePermissions(p(0, [1], []), p(1, [1], []))).toBe(false);
    expect(samePermissions(p(0, [1], []), p(0, [], [1]))).toBe(false);
  });

  const before = {
    scope: Scope.MEMBER,
    permissions: p(0, [1, 2], [2]),
    roleKey: 'support' as string | null,
    professionId: 4 as number | null,
  };
  it.each([
    [
      'the same grant, permissions reordered with repeats',
      true,
      { ...before, permissions: p(0, [2, 1, 2, 1], [2, 2]) },
    ],
    ['another scope', false, { ...before, scope: Scope.ADMIN }],
    ['another read set', false, { ...before, permissions: p(0, [1], [2]) }],
    ['another group', false, { ...before, permissions: p(1, [1, 2], [2]) }],
    ['another profession', false, { ...before, professionId: 5 }],
    ['the profession cleared', false, { ...before, professionId: null }],
    ['the same grant, no longer from its role', false, { ...before, roleKey: null }],
    ['the same grant, from another role', false, { ...before, roleKey: 'billing' }],
  ] as const)('changesNothing: %s → %s', (_what, expected, after) => {
    expect(changesNothing(before, after)).toBe(expected);
  });
});

describe('invitationState', () => {
  const base = {
    status: 'invited' as const,
    deletedAt: null,
    endReason: null,
    acceptedAt: null,
    invitationExpiresAt: '2030-01-01T00:00:00Z',
    expired: false,
  };
  const now = '2029-12-01T00:00:00Z';

  it.each([
    ['pending', base],
    ['expired', { ...base, expired: true }],
    ['accepted', { ...base, status: 'active' as const, acceptedAt: now }],
    ['declined', { ...base, deletedAt: now, endReason: 'declined' as const }],
    ['revoked', { ...base, deletedAt: now, endReason: 'revoked' as const }],
    ['revoked', { ...base, deletedAt: now, endReason: 'inviter_lost_access' as const }],
    ['expired', { ...base, deletedAt: now, endReason: 'expired' as const, expired: true }],
    ['revoked', { ...base, deletedAt: now, endReason: 'removed' as const }],
    ['ended', { ...base, status: 'active' as const, acceptedAt: now, deletedAt: now, endReason: 'left' as const }],
    ['ended', { ...base, status: 'active' as const, acceptedAt: now, deletedAt: now, endReason: 'removed' as const }],
  ])('says %s', (state, row) => {
    expect(invitationState(row)).toBe(state);
  });

  it('says a registered membership (no invitation expiry) never was an invitation', () => {
    expect(invitationState({ ...base, status: 'active', invitationExpiresAt: null })).toBeUndefined();
  });
});

describe('previewState and liveInvitationState', () => {
  const base = {
    status: 'invited' as const,
    deletedAt: null,
    endReason: null,
    acceptedAt: null,
    invitationExpiresAt: '2030-01-01T00:00:00Z',
    expired: false,
  };
  const now = '2029-12-01T00:00:00Z';

  it('tells the token holder that a pending invitation whose inviter lost its authority is revoked', () => {
    expect(previewState({ ...base, inviterHasAuthority: true })).toBe('pending');
    expect(previewState({ ...base, inviterHasAuthority: false })).toBe('revoked');
  });

  it('tells an accepted invitation whose membership ended since as accepted', () => {
    const ended = { ...base, status: 'active' as const, acceptedAt: now, deletedAt: now, endReason: 'left' as const };
    expect(previewState({ ...ended, inviterHasAuthority: false })).toBe('accepted');
  });

  it('gives list items a state only while they are live invitations', () => {
    expect(liveInvitationState(base)).toBe('pending');
    expect(liveInvitationState({ ...base, expired: true })).toBe('expired');
    expect(liveInvitationState({ ...base, status: 'active', acceptedAt: now })).toBeNull();
    expect(liveInvitationState({ ...base, deletedAt: now, endReason: 'revoked' })).toBeNull();
  });
});
