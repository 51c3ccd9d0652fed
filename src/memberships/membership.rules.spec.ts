import { invitationState, liveInvitationState, previewState } from './membership.rules.js';

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
    ['expired', { ...base, deletedAt: now, endReason: 'expired' as const, expired: true }],
    ['revoked', { ...base, deletedAt: now, endReason: 'removed' as const }],
    ['ended', { ...base, status: 'active' as const, acceptedAt: now, deletedAt: now, endReason: 'left' as const }],
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
