import { createHash } from 'node:crypto';

/**
 * What the audit trail keeps of a session: the first 32 hex characters (128 bits) of the
 * SHA-256 of its id. Stable, so the events of one session can be grouped, and whoever holds a
 * session id can find its events (`printf %s "$id" | sha256sum | cut -c1-32`); not reversible,
 * since session ids are random (144 bits), so the trail never hands out a session handle.
 */
export function sessionHash(sessionId: string): string;
export function sessionHash(sessionId: string | null | undefined): string | null;
export function sessionHash(sessionId: string | null | undefined): string | null {
  return sessionId ? createHash('sha256').update(sessionId, 'utf8').digest('hex').slice(0, 32) : null;
}
