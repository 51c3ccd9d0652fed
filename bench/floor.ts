/**
 * The hand-written floor: the invite route of the service written the
 * straightforward way, with no framework. `node:http`, a `pg` pool, HS256 verification of
 * both tokens with `node:crypto`, hand-written validation of the same body rules, and one
 * transaction with one statement per step. It does the same checks (bearer, session token,
 * the `sessions` row of a live user, an active ADMIN membership in a live organization locked
 * FOR SHARE, the grant ceiling, the body) and the
 * same writes (the invitee upserted by lower(email), the membership with its token hash and
 * expiry, the outbox row with the sealed token, the audit row) as
 * `POST /users-organizations/v1/rs/na/{userId}/invite`.
 *
 * Not done here (the service does them, so they only make the floor cheaper): retiring an
 * expired pending invitation of the same person, rate limits, idempotency keys, metrics, logs,
 * security headers, request ids from the caller.
 *
 * Environment: DATABASE_URL, PORT, HOST, AUTH_JWT_SECRET, SESSION_JWT_SECRET, DB_POOL_MAX
 * (10), INVITATION_TTL_SECONDS (604800), FLOOR_PREPARED=true for named statements.
 */
import { createCipheriv, createHash, createSecretKey, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { verifyHs256 } from './lib/jwt.js';

const env = process.env;
const bearerKey = createSecretKey(Buffer.from(required('AUTH_JWT_SECRET')));
const sessionKey = createSecretKey(Buffer.from(required('SESSION_JWT_SECRET')));
const ttlSeconds = Number(env.INVITATION_TTL_SECONDS ?? 604800);
const prepared = env.FLOOR_PREPARED === 'true';
const CLOCK_TOLERANCE_S = 30;
const MAX_LIFETIME_S = 24 * 3600;
const BODY_LIMIT = 16 * 1024;
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;
const ROUTE = /^\/users-organizations\/v1\/rs\/na\/(-?\d{1,16})\/invite(?:\?(.*))?$/;
const ID = /^-?(?:0|[1-9][0-9]{0,15})$/;

// The outbox keeps the invitation token sealed (AES-256-GCM), as the service does.
const sealKey = Buffer.from(
  hkdfSync('sha256', required('SESSION_JWT_SECRET'), 'users-organizations', 'mail-outbox-secret/v1', 32),
);
const AAD = Buffer.from('users-organizations:mail-outbox-secret');

const pool = new pg.Pool({
  connectionString: required('DATABASE_URL'),
  max: Number(env.DB_POOL_MAX ?? 10),
  application_name: 'bench-floor',
});
pg.defaults.parseInt8 = true;

function required(name: string): string {
  const value = env[name];
  if (!value) {
    throw new Error(`${name} is required`);
  }
  return value;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

const SQL = {
  session: `SELECT s.user_id, s.expires_at <= now() AS expired, s.revoked_at IS NOT NULL AS revoked,
                   u.deleted_at IS NOT NULL AS user_deleted
              FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
  admin: `SELECT o.id, o.name, u.email, uo.scope, uo.permissions
            FROM user_organizations uo
            JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
            JOIN users u ON u.id = uo.user_id
           WHERE uo.user_id = $1 AND uo.organization_id = $2 AND uo.scope = 1 AND uo.status = 'active'
             AND uo.deleted_at IS NULL
             FOR SHARE OF uo`,
  onlyAdmin: `SELECT o.id, o.name, u.email, uo.scope, uo.permissions
                FROM user_organizations uo
                JOIN organizations o ON o.id = uo.organization_id AND o.deleted_at IS NULL
                JOIN users u ON u.id = uo.user_id
               WHERE uo.user_id = $1 AND uo.scope = 1 AND uo.status = 'active' AND uo.deleted_at IS NULL
               LIMIT 2
               FOR SHARE OF uo`,
  invitee: `INSERT INTO users (email, status) VALUES ($1, 'invited')
            ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO UPDATE SET email = users.email
            RETURNING id, email`,
  membership: `INSERT INTO user_organizations
                 (user_id, organization_id, scope, permissions, profession_id, status, invited_by,
                  invitation_token_hash, invitation_expires_at)
               VALUES ($1, $2, $3, $4, $5, 'invited', $6, $7, now() + $8 * interval '1 second')
               RETURNING id, scope, permissions, profession_id, status, invitation_expires_at, created_at, updated_at`,
  outbox: `INSERT INTO mail_outbox (kind, membership_id, recipient, subject, payload, secret)
           VALUES ('invitation', $1, $2, $3, $4, $5)`,
  audit: `INSERT INTO audit_events
            (action, actor_user_id, actor_session_hash, organization_id, target_user_id, membership_id, before, after, request_id)
          VALUES ('invitation.created', $1, $2, $3, $4, $5, NULL, $6, $7)`,
};
type Statement = keyof typeof SQL;

function q(name: Statement, values: unknown[]): pg.QueryConfig {
  return prepared ? { name: `floor_${name}`, text: SQL[name], values } : { text: SQL[name], values };
}

// --- checks -----------------------------------------------------------------------------

function idClaim(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? value : undefined;
  }
  if (typeof value === 'string' && ID.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

function checkTimes(payload: Record<string, unknown>, requireIat: boolean, now: number): boolean {
  const { exp, iat } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp + CLOCK_TOLERANCE_S <= now) {
    return false;
  }
  if (exp - now > MAX_LIFETIME_S + CLOCK_TOLERANCE_S) {
    return false;
  }
  if (iat === undefined) {
    return !requireIat;
  }
  return typeof iat === 'number' && Number.isFinite(iat) && iat <= now + CLOCK_TOLERANCE_S;
}

interface Caller {
  userId: number;
  sessionId: string;
  organizationId?: number;
}

function authenticate(req: IncomingMessage): Caller {
  const now = Math.floor(Date.now() / 1000);
  const authorization = req.headers.authorization;
  if (!authorization?.startsWith('Bearer ')) {
    throw new HttpError(401, 'The Authorization bearer token is missing');
  }
  const bearer = verifyHs256(authorization.slice(7), bearerKey);
  const userId = typeof bearer?.sub === 'string' ? idClaim(bearer.sub) : undefined;
  if (!bearer || !checkTimes(bearer, false, now) || userId === undefined) {
    throw new HttpError(401, 'The bearer token is invalid');
  }
  const header = req.headers['x-session-token'];
  const session = typeof header === 'string' ? verifyHs256(header, sessionKey) : undefined;
  if (!session || !checkTimes(session, true, now)) {
    throw new HttpError(401, 'The session token is invalid');
  }
  const sessionUser = idClaim(session.userId);
  const sessionId = session.sessionId;
  if (sessionUser === undefined || typeof sessionId !== 'string' || sessionId === '' || sessionId.length > 128) {
    throw new HttpError(401, 'The session token lacks a valid userId or sessionId');
  }
  let organizationId: number | undefined;
  if (session.organizationId !== undefined && session.organizationId !== null) {
    organizationId = idClaim(session.organizationId);
    if (organizationId === undefined) {
      throw new HttpError(401, 'The session token has an invalid organizationId');
    }
  }
  if (sessionUser !== userId) {
    throw new HttpError(401, 'The session belongs to another user than the bearer token');
  }
  return { userId, sessionId, organizationId };
}

interface InviteBody {
  email: string;
  scope: 1 | 2;
  permissions: { group: number; read: number[]; manage: number[] };
  professionId: number | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIdList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length <= 256 && v.every((n) => Number.isSafeInteger(n));

/** The body rules of CreateInviteUserOrganizationDto, by hand. */
function validate(body: unknown): InviteBody {
  const details: { path: string; message: string }[] = [];
  const fail = (path: string, message: string) => details.push({ path, message });
  if (!isObject(body)) {
    throw new HttpError(400, 'Validation failed', [{ path: '', message: 'the body must be an object' }]);
  }
  for (const key of Object.keys(body)) {
    if (!['email', 'scope', 'permissions', 'professionId'].includes(key)) {
      fail(key, `property ${key} should not exist`);
    }
  }
  const { email, scope, permissions, professionId } = body;
  if (typeof email !== 'string' || email.length > 250 || !EMAIL.test(email)) {
    fail('email', 'email must be an email address such as test@mail.com');
  }
  if (scope !== 1 && scope !== 2) {
    fail('scope', 'scope must be one of the following values: 1, 2');
  }
  if (!isObject(permissions)) {
    fail('permissions', 'permissions must be an object');
  } else {
    for (const key of Object.keys(permissions)) {
      if (!['group', 'read', 'manage'].includes(key)) {
        fail(`permissions.${key}`, `property ${key} should not exist`);
      }
    }
    if (!Number.isSafeInteger(permissions.group)) {
      fail('permissions.group', 'group must be a safe integer');
    }
    if (!isIdList(permissions.read)) {
      fail('permissions.read', 'read must be an array of at most 256 safe integers');
    }
    if (!isIdList(permissions.manage)) {
      fail('permissions.manage', 'manage must be an array of at most 256 safe integers');
    }
  }
  if (professionId !== undefined && professionId !== null && !Number.isSafeInteger(professionId)) {
    fail('professionId', 'professionId must be a safe integer');
  }
  if (details.length > 0) {
    throw new HttpError(400, 'Validation failed', details);
  }
  const p = permissions as InviteBody['permissions'];
  return {
    email: email as string,
    scope: scope as 1 | 2,
    permissions: { group: p.group, read: p.read, manage: p.manage },
    professionId: (professionId as number | null | undefined) ?? null,
  };
}

/** Depth and duplicate keys: JSON.parse keeps the last of two equal keys silently. */
function scanJson(text: string): void {
  const frames: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          i++;
        } else if (d === 0x22) {
          break;
        }
      }
      const keys = frames[frames.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) {
          throw new HttpError(400, `The request body repeats the key ${key}`);
        }
        keys.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b || c === 0x5b) {
      frames.push(c === 0x7b ? new Set() : null);
      if (frames.length > 32) {
        throw new HttpError(400, 'The request body nests deeper than 32 levels');
      }
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      frames.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = Boolean(frames[frames.length - 1]);
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new HttpError(413, 'The request body is too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function seal(token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

// --- the route ----------------------------------------------------------------------------

async function invite(req: IncomingMessage, pathUserId: number, query: string | undefined): Promise<unknown> {
  const caller = authenticate(req);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new HttpError(415, 'Request bodies must be sent as application/json');
  }
  const text = await readBody(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON');
  }
  scanJson(text);
  const body = validate(parsed);
  let requested: number | undefined;
  const param = query ? new URLSearchParams(query).get('organizationId') : null;
  if (param !== null) {
    requested = idClaim(param);
    if (requested === undefined) {
      throw new HttpError(400, 'organizationId must be a decimal integer');
    }
  }
  if (pathUserId !== caller.userId) {
    throw new HttpError(403, 'The path userId is not the caller');
  }

  const sessions = await pool.query<{ user_id: number; expired: boolean; revoked: boolean; user_deleted: boolean }>(
    q('session', [caller.sessionId]),
  );
  const session = sessions.rows[0];
  if (
    !session ||
    Number(session.user_id) !== caller.userId ||
    session.revoked ||
    session.expired ||
    session.user_deleted
  ) {
    throw new HttpError(401, 'The session is unknown, revoked or expired');
  }

  const token = randomBytes(32).toString('base64url');
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const requestId = randomUUID();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const organization = requested ?? caller.organizationId;
    const admins = await client.query<{
      id: number;
      name: string;
      email: string;
      scope: number;
      permissions: { read: number[]; manage: number[] };
    }>(organization === undefined ? q('onlyAdmin', [caller.userId]) : q('admin', [caller.userId, organization]));
    if (admins.rows.length !== 1) {
      throw admins.rows.length === 0
        ? new HttpError(403, 'The caller is not an active admin of this organization')
        : new HttpError(400, 'The caller administers several organizations: pass organizationId');
    }
    const admin = admins.rows[0];
    // the grant ceiling, as the service applies it
    const holds = (mine: number[], given: number[]) => given.every((id) => mine.includes(id));
    if (
      body.scope < admin.scope ||
      !holds(admin.permissions.read, body.permissions.read) ||
      !holds(admin.permissions.manage, body.permissions.manage)
    ) {
      throw new HttpError(403, 'You cannot grant permissions you do not hold yourself');
    }
    const invitees = await client.query<{ id: number; email: string }>(q('invitee', [body.email]));
    const invitee = invitees.rows[0];
    const memberships = await client.query<{
      id: number;
      scope: 1 | 2;
      permissions: InviteBody['permissions'];
      profession_id: number | null;
      status: string;
      invitation_expires_at: Date;
      created_at: Date;
      updated_at: Date;
    }>(
      q('membership', [
        invitee.id,
        admin.id,
        body.scope,
        JSON.stringify(body.permissions),
        body.professionId,
        caller.userId,
        tokenHash,
        ttlSeconds,
      ]),
    );
    const m = memberships.rows[0];
    const expiresAt = iso(m.invitation_expires_at);
    await client.query(
      q('outbox', [
        m.id,
        invitee.email,
        `Invitation to join ${admin.name}`.slice(0, 300),
        JSON.stringify({ organizationName: admin.name, inviterEmail: admin.email, scope: m.scope, expiresAt }),
        seal(token),
      ]),
    );
    await client.query(
      q('audit', [
        caller.userId,
        caller.sessionId,
        admin.id,
        invitee.id,
        m.id,
        JSON.stringify({
          scope: m.scope,
          permissions: m.permissions,
          professionId: m.profession_id,
          status: m.status,
          deletedAt: null,
          invitedBy: caller.userId,
          invitationExpiresAt: expiresAt,
          acceptedAt: null,
        }),
        requestId,
      ]),
    );
    await client.query('COMMIT');
    return {
      data: {
        userId: invitee.id,
        organizationId: admin.id,
        scope: m.scope,
        permissions: { group: m.permissions.group, read: m.permissions.read, manage: m.permissions.manage },
        professionId: m.profession_id,
        status: m.status,
        deletedAt: null,
        updatedAt: iso(m.updated_at),
        createdAt: iso(m.created_at),
      },
    };
  } catch (error) {
    await client.query('ROLLBACK');
    if ((error as { code?: unknown }).code === '23505') {
      throw new HttpError(409, 'This person already has a live membership or a pending invitation');
    }
    throw error;
  } finally {
    client.release();
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer((req, res) => {
  const match = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null;
  if (!match) {
    send(res, 404, { error: 'Not found' });
    return;
  }
  const pathUserId = idClaim(match[1]);
  if (pathUserId === undefined) {
    send(res, 400, { error: 'userId must be a decimal integer' });
    return;
  }
  invite(req, pathUserId, match[2]).then(
    (body) => send(res, 201, body),
    (error: unknown) => {
      if (error instanceof HttpError) {
        send(res, error.status, { error: error.message, ...(error.details ? { details: error.details } : {}) });
      } else {
        console.error(error);
        send(res, 500, { error: 'Internal server error' });
      }
    },
  );
});

server.listen(Number(env.PORT ?? 3100), env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`floor listening on ${env.HOST ?? '127.0.0.1'}:${env.PORT ?? 3100}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  void pool.end();
});
