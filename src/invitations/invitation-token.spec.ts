import { createHash } from 'node:crypto';
import { hashInvitationToken, newInvitationToken } from './invitation-token.js';
import { INVITATION_TOKEN_PATTERN } from './dto/invitation-token.dto.js';

describe('invitation tokens', () => {
  it('are 32 random bytes in base64url, kept only as their SHA-256', () => {
    const { token, hash } = newInvitationToken();
    expect(token).toMatch(INVITATION_TOKEN_PATTERN);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashInvitationToken(token)).toBe(hash);
    expect(newInvitationToken().token).not.toBe(token);
  });
});
