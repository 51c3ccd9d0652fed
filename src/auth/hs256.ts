import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface Hs256Options {
  key: KeyObject;
  clockToleranceSeconds: number;
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch (tests). */
  now?: number;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function json(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The payload of an HS256 token that jsonwebtoken's `verify(token, key, { algorithms:
 * ['HS256'], clockTolerance, issuer, audience })` would accept, checked with node:crypto alone;
 * undefined for anything else. Callers then ask jsonwebtoken itself, so every refusal keeps
 * its exact error (expired, malformed, bad signature...), and only the usual, valid token
 * skips its decoding twice, its per-call option handling and, for the bearer, passport (~7 %
 * of the CPU of an invite, issue #7). hs256.spec.ts holds the two to the same verdicts.
 */
export function verifyHs256(token: unknown, options: Hs256Options): Record<string, unknown> | undefined {
  if (typeof token !== 'string' || !COMPACT_JWS.test(token)) {
    return undefined;
  }
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const header = json(token.slice(0, first));
  if (!isObject(header) || header.alg !== 'HS256') {
    return undefined;
  }
  const expected = Buffer.from(createHmac('sha256', options.key).update(token.slice(0, second)).digest('base64url'));
  const given = Buffer.from(token.slice(second + 1));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return undefined;
  }
  const payload = json(token.slice(first + 1, second));
  if (!isObject(payload)) {
    return undefined;
  }
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.clockToleranceSeconds;
  const { nbf, exp, aud, iss } = payload;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) {
    return undefined;
  }
  if (exp !== undefined && (typeof exp !== 'number' || now >= exp + tolerance)) {
    return undefined;
  }
  if (options.audience && !(Array.isArray(aud) ? aud : [aud]).includes(options.audience)) {
    return undefined;
  }
  if (options.issuer && iss !== options.issuer) {
    return undefined;
  }
  return payload;
}

/**
 * The token of `Authorization: Bearer <token>`, read exactly as the passport strategy reads it
 * (bearerTokenFrom): everything after the scheme, so `Bearer <valid token> extra` is no valid
 * token on the fast path either.
 */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') {
    return undefined;
  }
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') {
    return undefined;
  }
  const token = header.slice(space + 1).trim();
  return token === '' ? undefined : token;
}
