import { createHash, randomBytes } from 'node:crypto';

export interface InvitationToken {
  /** Goes only into the sealed outbox row and, from there, the email's link. */
  token: string;
  /** SHA-256 hex: the only form the invitation row keeps. */
  hash: string;
}

export const hashInvitationToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** 32 random bytes, base64url (43 characters). */
export function newInvitationToken(): InvitationToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashInvitationToken(token) };
}
