import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** HS256 JWTs with node:crypto alone: what the bench signs with, and what the floor verifies with. */

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export function signHs256(payload: Record<string, unknown>, key: KeyObject | string): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

/**
 * The payload of a well-signed HS256 token, else undefined. The header must say HS256 (never
 * `none`, never another algorithm); the claims are the caller's to check.
 */
export function verifyHs256(token: string, key: KeyObject): Record<string, unknown> | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
    return undefined;
  }
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8'));
    if ((header as { alg?: unknown } | null)?.alg !== 'HS256') {
      return undefined;
    }
    const expected = createHmac('sha256', key).update(token.slice(0, second)).digest();
    const given = Buffer.from(token.slice(second + 1), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return undefined;
    }
    payload = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
    ? (payload as Record<string, unknown>)
    : undefined;
}
