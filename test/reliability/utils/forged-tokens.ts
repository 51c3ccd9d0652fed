import { createHmac, randomBytes } from 'node:crypto';

/**
 * Ways to get a token wrong on purpose: forged, tampered, expired, unsigned, swapped or
 * garbage. Each variant is a name and the two credential headers it sends.
 */
export interface Identity {
  userId: number;
  sessionId: string;
  bearer: string;
  session: string;
  roles: string[];
}

export interface Secrets {
  bearer: string;
  session: string;
}

export type Headers = Record<string, string>;
export interface Variant {
  name: string;
  headers: Headers;
}

type Claims = Record<string, unknown>;

const ATTACKER_SECRET = 'an-attacker-secret-that-is-long-enough-0123456789';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWT assembled by hand, for headers and algorithms jsonwebtoken will not produce. */
export function handMade(header: Claims, payload: unknown, key?: string, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${key === undefined ? '' : createHmac(hash, key).update(input).digest('base64url')}`;
}

const parts = (token: string) => token.split('.');
const withPayload = (token: string, payload: Claims) => {
  const [h, , s] = parts(token);
  return `${h}.${b64(payload)}.${s}`;
};
const decode = (token: string) => JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString()) as Claims;

function bearerClaims(id: Identity, extra: Claims = {}): Claims {
  return { sub: String(id.userId), roles: id.roles, iat: now(), exp: now() + 600, ...extra };
}
function sessionClaims(id: Identity, extra: Claims = {}): Claims {
  return { userId: id.userId, sessionId: id.sessionId, iat: now(), exp: now() + 600, ...extra };
}
const hs = (claims: Claims, secret: string) => handMade({ alg: 'HS256', typ: 'JWT' }, dropUndefined(claims), secret);
function dropUndefined(claims: Claims): Claims {
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

const auth = (bearer: string | undefined, session: string | undefined): Headers => ({
  ...(bearer === undefined ? {} : { authorization: bearer }),
  ...(session === undefined ? {} : { 'x-session-token': session }),
});

/**
 * The deterministic catalogue. `victim` is whose valid credentials would pass the route;
 * `other` is another user with a live session; `revoked`/`expiredRow` are sessions of the
 * victim that are revoked or past their row's expiry.
 */
export function abuseVariants(
  victim: Identity,
  other: Identity,
  secrets: Secrets,
  sessions: { revoked: string; expiredRow: string },
): Variant[] {
  const v: Variant[] = [];
  /** `session` left out: the victim's valid one; `null`: no header. */
  const add = (name: string, bearer: string | null, session: string | null = victim.session) =>
    v.push({ name, headers: auth(bearer ?? undefined, session ?? undefined) });
  const B = (token: string) => `Bearer ${token}`;
  const bc = bearerClaims(victim);
  const sc = sessionClaims(victim);

  // --- missing or mis-shaped credentials
  add('no credentials at all', null, null);
  add('bearer only', B(victim.bearer), null);
  add('session only', null);
  add('empty session header', B(victim.bearer), '');
  add('"Bearer" without a token', 'Bearer');
  add('"Bearer " and a blank', 'Bearer  ');
  add('token without the scheme', victim.bearer);
  add('Basic scheme', `Basic ${Buffer.from('admin:admin').toString('base64')}`);
  add('Token scheme', `Token ${victim.bearer}`);
  add('bearer with a trailing word', `${B(victim.bearer)} extra`);
  add('both tokens swapped between the headers', B(victim.session), victim.bearer);
  add('session token as both', B(victim.session), victim.session);
  add('bearer token as both', B(victim.bearer), victim.bearer);

  // --- algorithms
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add(`bearer alg "${alg}", unsigned`, B(handMade({ alg, typ: 'JWT' }, bc)));
    add(`session alg "${alg}", unsigned`, B(victim.bearer), handMade({ alg, typ: 'JWT' }, sc));
  }
  add(
    'bearer alg none keeping the real signature',
    B(`${handMade({ alg: 'none' }, decode(victim.bearer))}${parts(victim.bearer)[2]}`),
  );
  for (const [alg, hash] of [
    ['HS384', 'sha384'],
    ['HS512', 'sha512'],
  ] as const) {
    add(`bearer ${alg} with the right secret`, B(handMade({ alg, typ: 'JWT' }, bc, secrets.bearer, hash)));
    add(
      `session ${alg} with the right secret`,
      B(victim.bearer),
      handMade({ alg, typ: 'JWT' }, sc, secrets.session, hash),
    );
  }
  for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA']) {
    add(`bearer claiming ${alg}, HMAC-signed with the secret`, B(handMade({ alg, typ: 'JWT' }, bc, secrets.bearer)));
  }
  add(
    'bearer with a jku header to an attacker key set',
    B(handMade({ alg: 'HS256', jku: 'http://127.0.0.1:1/jwks', kid: 'x' }, bc, ATTACKER_SECRET)),
  );
  add('bearer with a kid path traversal', B(handMade({ alg: 'HS256', kid: '../../../../dev/null' }, bc, '')));

  // --- forged signatures
  add('bearer signed with the session secret', B(hs(bc, secrets.session)));
  add('session signed with the bearer secret', B(victim.bearer), hs(sc, secrets.bearer));
  add('bearer signed with an attacker secret', B(hs(bc, ATTACKER_SECRET)));
  add('session signed with an attacker secret', B(victim.bearer), hs(sc, ATTACKER_SECRET));
  add('bearer signed with an empty secret', B(hs(bc, '')));
  add('session signed with an empty secret', B(victim.bearer), hs(sc, ''));
  add('backoffice role granted with an attacker secret', B(hs({ ...bc, roles: ['backoffice'] }, ATTACKER_SECRET)));

  // --- tampered tokens
  const otherSub = { ...decode(victim.bearer), sub: String(other.userId) };
  add('bearer sub changed, signature kept', B(withPayload(victim.bearer, otherSub)));
  add(
    'bearer roles raised, signature kept',
    B(withPayload(victim.bearer, { ...decode(victim.bearer), roles: [...victim.roles, 'backoffice', 'root'] })),
  );
  add(
    'bearer exp pushed back, signature kept',
    B(withPayload(victim.bearer, { ...decode(victim.bearer), exp: now() + 3600 })),
  );
  add(
    'session userId changed, signature kept',
    B(victim.bearer),
    withPayload(victim.session, { ...decode(victim.session), userId: other.userId }),
  );
  add(
    'session sessionId changed, signature kept',
    B(victim.bearer),
    withPayload(victim.session, { ...decode(victim.session), sessionId: other.sessionId }),
  );
  add('bearer signature stripped', B(`${parts(victim.bearer).slice(0, 2).join('.')}.`));
  add('bearer without its signature segment', B(parts(victim.bearer).slice(0, 2).join('.')));
  add('session signature stripped', B(victim.bearer), `${parts(victim.session).slice(0, 2).join('.')}.`);
  add(
    "bearer with another token's signature",
    B(`${parts(victim.bearer).slice(0, 2).join('.')}.${parts(other.bearer)[2]}`),
  );
  add(
    "session with another token's signature",
    B(victim.bearer),
    `${parts(victim.session).slice(0, 2).join('.')}.${parts(other.session)[2]}`,
  );
  const sig = parts(victim.bearer)[2];
  add(
    'bearer signature, last character changed',
    B(`${parts(victim.bearer).slice(0, 2).join('.')}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`),
  );
  add(
    'bearer signature in padded base64',
    B(`${parts(victim.bearer).slice(0, 2).join('.')}.${Buffer.from(sig, 'base64url').toString('base64')}`),
  );
  add(
    'bearer header changed, signature kept',
    B(`${b64({ alg: 'HS256', typ: 'JWS' })}.${parts(victim.bearer).slice(1).join('.')}`),
  );

  // --- time claims (correctly signed: only the claims are wrong)
  add('bearer expired an hour ago', B(hs({ ...bc, iat: now() - 7200, exp: now() - 3600 }, secrets.bearer)));
  add(
    'session expired an hour ago',
    B(victim.bearer),
    hs({ ...sc, iat: now() - 7200, exp: now() - 3600 }, secrets.session),
  );
  add('bearer without exp', B(hs({ ...bc, exp: undefined }, secrets.bearer)));
  add('session without exp', B(victim.bearer), hs({ ...sc, exp: undefined }, secrets.session));
  add('session without iat', B(victim.bearer), hs({ ...sc, iat: undefined }, secrets.session));
  add('bearer issued in the future', B(hs({ ...bc, iat: now() + 3600 }, secrets.bearer)));
  add('session issued in the future', B(victim.bearer), hs({ ...sc, iat: now() + 3600 }, secrets.session));
  add('bearer not valid before an hour from now', B(hs({ ...bc, nbf: now() + 3600 }, secrets.bearer)));
  add('bearer living 30 days', B(hs({ ...bc, exp: now() + 30 * 86400 }, secrets.bearer)));
  add('session living 30 days', B(victim.bearer), hs({ ...sc, exp: now() + 30 * 86400 }, secrets.session));
  add('bearer exp as a string', B(hs({ ...bc, exp: String(now() + 600) }, secrets.bearer)));

  // --- subjects and session claims (correctly signed)
  for (const sub of [
    '',
    '01',
    '1e3',
    ` ${victim.userId}`,
    `${victim.userId}.0`,
    '-0',
    'abc',
    '9007199254740993',
    '0x10',
  ]) {
    add(`bearer sub ${JSON.stringify(sub)}`, B(hs({ ...bc, sub }, secrets.bearer)));
  }
  add('bearer sub as a number', B(hs({ ...bc, sub: victim.userId }, secrets.bearer)));
  add('bearer sub as an array', B(hs({ ...bc, sub: [String(victim.userId)] }, secrets.bearer)));
  add('bearer without sub', B(hs({ ...bc, sub: undefined }, secrets.bearer)));
  add("bearer of the other user with the victim's session", B(other.bearer));
  add("victim's bearer with the other user's session", B(victim.bearer), other.session);
  add('session naming the other user', B(victim.bearer), hs({ ...sc, userId: other.userId }, secrets.session));
  add(
    "session naming the other user's session id",
    B(victim.bearer),
    hs({ ...sc, sessionId: other.sessionId }, secrets.session),
  );
  add(
    'session with an unknown session id',
    B(victim.bearer),
    hs({ ...sc, sessionId: randomBytes(18).toString('base64url') }, secrets.session),
  );
  add('revoked session', B(victim.bearer), sessions.revoked);
  add('session whose row has expired', B(victim.bearer), sessions.expiredRow);
  add('session id of 200 characters', B(victim.bearer), hs({ ...sc, sessionId: 'x'.repeat(200) }, secrets.session));
  add('session id as a number', B(victim.bearer), hs({ ...sc, sessionId: 12345 }, secrets.session));
  add('session userId "1e3"', B(victim.bearer), hs({ ...sc, userId: '1e3' }, secrets.session));
  add('session userId as a float', B(victim.bearer), hs({ ...sc, userId: victim.userId + 0.5 }, secrets.session));
  add('session organizationId "abc"', B(victim.bearer), hs({ ...sc, organizationId: 'abc' }, secrets.session));
  add('session id with SQL', B(victim.bearer), hs({ ...sc, sessionId: "' OR '1'='1" }, secrets.session));
  add(
    'session payload a JSON string',
    B(victim.bearer),
    handMade({ alg: 'HS256', typ: 'JWT' }, '"hello"', secrets.session),
  );
  add('bearer payload a JSON number', B(handMade({ alg: 'HS256', typ: 'JWT' }, '123', secrets.bearer)));

  // --- garbage
  add('bearer of four segments', B(`${victim.bearer}.AAAA`));
  add('bearer shaped like a JWE (five segments)', B(`${parts(victim.bearer)[0]}.AAAA.AAAA.AAAA.AAAA`));
  add('bearer of 8 KB', B(`${'a'.repeat(8192)}.${'b'.repeat(10)}.${'c'.repeat(10)}`));
  add('bearer of dots', B('...'));
  add('bearer header not JSON', B(`${b64('not json')}.${parts(victim.bearer)[1]}.${sig}`));
  add('session of garbage', B(victim.bearer), 'garbage');
  return v;
}
