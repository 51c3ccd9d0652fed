import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { IssuedTokens } from '../src/auth/session-tokens.js';
import { sessionHash } from '../src/audit/session-hash.js';
import { Scope } from '../src/memberships/membership.constants.js';
import { addMembership, authHeaders, createAdmin, createUser, tokensFor, uniqueEmail } from './utils/fixtures.js';
import { startSmtpServer, tokenFrom, type TestSmtpServer } from './utils/smtp-test-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

const BASE = '/users-organizations/v1';

/** Booting an app and a whole flow take more than the default 30 s on a busy machine. */
const SLOW_MS = 120_000;

/**
 * A whole realistic run (invites, mails through a real SMTP server, accept by token, a resend,
 * member changes, the audit trail, failed authentications, /metrics) with every log line
 * written at the most verbose level captured; then every secret, token and session id the run
 * minted is looked for in every log line, every response body and the metrics: none may
 * appear anywhere.
 */
describe('exposure: no token, secret or session id in responses, logs or metrics', () => {
  const secrets = {
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    SESSION_JWT_SECRET: randomBytes(32).toString('hex'),
    MAIL_SECRET_KEY: randomBytes(32).toString('hex'),
  };
  const logLines: string[] = [];
  const bodies: { what: string; text: string }[] = [];
  /** What must appear nowhere: [label, value]. */
  const minted: [string, string][] = [
    ['AUTH_JWT_SECRET', secrets.AUTH_JWT_SECRET],
    ['SESSION_JWT_SECRET', secrets.SESSION_JWT_SECRET],
    ['MAIL_SECRET_KEY (hex)', secrets.MAIL_SECRET_KEY],
    ['MAIL_SECRET_KEY (base64)', Buffer.from(secrets.MAIL_SECRET_KEY, 'hex').toString('base64')],
  ];
  let smtp: TestSmtpServer;
  let t: TestApp;

  const mintTokens = (label: string, tokens: IssuedTokens) => {
    minted.push(
      [`${label} bearer`, tokens.bearer],
      [`${label} bearer signature`, tokens.bearer.split('.')[2]],
      [`${label} session token`, tokens.session],
      [`${label} session token signature`, tokens.session.split('.')[2]],
      [`${label} session token claims`, tokens.session.split('.')[1]],
      [`${label} session id`, tokens.sessionId],
    );
    return tokens;
  };

  /** Every response is kept, whatever its status, to be searched at the end. */
  const keep = (what: string, res: request.Response) => {
    bodies.push({ what, text: `${JSON.stringify(res.headers)}\n${res.text}` });
    return res;
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(
      {
        ...secrets,
        LOG_LEVEL: 'trace',
        SMTP_URL: smtp.url,
        INVITATION_ACCEPT_URL: 'https://app.example.test/invitations/accept?token={token}',
        MAIL_POLL_INTERVAL_MS: '200',
      },
      { logDestination: { write: (line: string) => logLines.push(line) } },
    );
  }, SLOW_MS);
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  }, SLOW_MS);

  it(
    'finds none of them after a whole run',
    async () => {
      const admin = await createAdmin(t.dataSource, t.config);
      mintTokens('admin', admin.tokens);
      const boUserId = await createUser(t.dataSource);
      const bo = mintTokens('backoffice', await tokensFor(t.dataSource, t.config, boUserId, { backoffice: true }));

      // invite, the mail reaches the SMTP server, the invitee accepts with the mailed token
      const email = uniqueEmail('exposed');
      const invited = keep(
        'invite',
        await request(t.http)
          .post(`${BASE}/rs/na/${admin.userId}/invite`)
          .set(admin.headers)
          .set('x-request-id', 'exposure-invite')
          .send({ email, scope: 2, permissions: { group: 0, read: [1], manage: [] } }),
      );
      expect(invited.status).toBe(201);
      const inviteeId = invited.body.data.userId as number;
      const token = tokenFrom(await smtp.waitFor(email));
      minted.push(['invitation token', token]);
      const invitee = mintTokens('invitee', await tokensFor(t.dataSource, t.config, inviteeId));
      const [{ id: invitationId }] = await t.dataSource.query(
        `SELECT id FROM user_organizations WHERE user_id = $1 AND organization_id = $2 AND deleted_at IS NULL`,
        [inviteeId, admin.organizationId],
      );
      keep(
        'invitee reads the invitation',
        await request(t.http)
          .get(`${BASE}/rs/na/${inviteeId}/invitations/${invitationId}`)
          .set(authHeaders(invitee))
          .expect(200),
      );
      keep(
        'accept by token',
        await request(t.http).post(`${BASE}/invitations/accept`).set(authHeaders(invitee)).send({ token }).expect(200),
      );

      // a second invitation, resent: two more tokens, both sealed in the outbox on the way
      const second = uniqueEmail('resent');
      const secondInvite = keep(
        'second invite',
        await request(t.http)
          .post(`${BASE}/rs/na/${admin.userId}/invite`)
          .set(admin.headers)
          .send({ email: second, scope: 2, permissions: { group: 0, read: [], manage: [] } })
          .expect(201),
      );
      minted.push(['second invitation token', tokenFrom(await smtp.waitFor(second))]);
      const [{ id: secondId }] = await t.dataSource.query(
        `SELECT id FROM user_organizations WHERE user_id = $1 AND organization_id = $2 AND deleted_at IS NULL`,
        [secondInvite.body.data.userId, admin.organizationId],
      );
      smtp.messages.length = 0;
      keep(
        'resend',
        await request(t.http)
          .post(`${BASE}/rs/na/${admin.userId}/invitations/${secondId}/resend`)
          .set(admin.headers)
          .expect(200),
      );
      minted.push(['resent invitation token', tokenFrom(await smtp.waitFor(second))]);
      keep(
        'admin reads the resent invitation',
        await request(t.http)
          .get(`${BASE}/rs/na/${admin.userId}/invitations/${secondId}`)
          .set(admin.headers)
          .expect(200),
      );

      // member changes
      keep(
        'member update',
        await request(t.http)
          .patch(`${BASE}/rs/na/${admin.userId}/members/${inviteeId}`)
          .set(admin.headers)
          .send({ scope: 1 })
          .expect(200),
      );
      keep(
        'members list',
        await request(t.http).get(`${BASE}/rs/na/${admin.userId}/members`).set(admin.headers).expect(200),
      );
      const other = await createUser(t.dataSource);
      await addMembership(t.dataSource, { userId: other, organizationId: admin.organizationId, scope: Scope.MEMBER });
      keep(
        'member removal',
        await request(t.http).delete(`${BASE}/rs/na/${admin.userId}/members/${other}`).set(admin.headers).expect(200),
      );

      // the audit trail: a hash of the session, never the session id
      const audit = keep(
        'audit read',
        await request(t.http)
          .get(`${BASE}/bo/audit-events`)
          .query({ organizationId: admin.organizationId })
          .set(authHeaders(bo))
          .expect(200),
      );
      const events = audit.body.data as { action: string; actorSessionHash: string | null }[];
      expect(events.length).toBeGreaterThanOrEqual(5);
      const created = events.find((e) => e.action === 'invitation.created')!;
      expect(created.actorSessionHash).toBe(sessionHash(admin.tokens.sessionId));
      expect(created).not.toHaveProperty('actorSessionId');
      const accepted = events.find((e) => e.action === 'invitation.accepted')!;
      expect(accepted.actorSessionHash).toBe(sessionHash(invitee.sessionId));

      // failed authentications: a forged bearer, a session signed with the bearer secret, a
      // revoked session, a token for a session that does not exist, garbage
      const forged = jwt.sign({ sub: String(admin.userId), roles: [] }, `${secrets.AUTH_JWT_SECRET}-forged`, {
        algorithm: 'HS256',
        expiresIn: 60,
      });
      minted.push(['forged bearer', forged]);
      const swapped = jwt.sign({ userId: admin.userId, sessionId: admin.tokens.sessionId }, secrets.AUTH_JWT_SECRET, {
        algorithm: 'HS256',
        expiresIn: 60,
      });
      minted.push(['session token signed with the bearer secret', swapped]);
      const ghostSessionId = randomBytes(18).toString('base64url');
      const ghost = jwt.sign({ userId: admin.userId, sessionId: ghostSessionId }, secrets.SESSION_JWT_SECRET, {
        algorithm: 'HS256',
        expiresIn: 60,
      });
      minted.push(
        ['token of a session that does not exist', ghost],
        ['a session id that does not exist', ghostSessionId],
      );
      const revoked = mintTokens('revoked', await tokensFor(t.dataSource, t.config, admin.userId));
      await t.dataSource.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1`, [revoked.sessionId]);
      const members = `${BASE}/rs/na/${admin.userId}/members`;
      for (const [what, headers] of [
        ['forged bearer', { authorization: `Bearer ${forged}`, 'x-session-token': admin.tokens.session }],
        ['swapped session token', { authorization: `Bearer ${admin.tokens.bearer}`, 'x-session-token': swapped }],
        ['session that does not exist', { authorization: `Bearer ${admin.tokens.bearer}`, 'x-session-token': ghost }],
        ['revoked session', authHeaders(revoked)],
        ['garbage', { authorization: `Bearer ${admin.tokens.session}`, 'x-session-token': 'garbage' }],
        ['no session token', { authorization: `Bearer ${admin.tokens.bearer}` }],
      ] as const) {
        const res = keep(`failed auth: ${what}`, await request(t.http).get(members).set(headers));
        expect(res.status).toBe(401);
      }
      // tokens that open nothing: unknown (404), replaced by the resend (404), malformed (400)
      const unknownToken = randomBytes(32).toString('base64url');
      const malformedToken = `${randomBytes(40).toString('hex')}!`;
      minted.push(['unknown invitation token', unknownToken], ['malformed invitation token', malformedToken]);
      for (const [what, value, status] of [
        ['unknown token', unknownToken, 404],
        ['token replaced by the resend', minted.find(([label]) => label === 'second invitation token')![1], 404],
        ['malformed token', malformedToken, 400],
      ] as const) {
        const res = keep(
          `accept with ${what}`,
          await request(t.http).post(`${BASE}/invitations/accept`).set(authHeaders(invitee)).send({ token: value }),
        );
        expect(res.status).toBe(status);
      }

      // a backoffice route with a member's tokens
      expect(
        keep('not backoffice', await request(t.http).get(`${BASE}/bo/audit-events`).set(admin.headers)).status,
      ).toBe(403);

      // errors nobody mapped (500): their cause is logged, but not the statements' parameters:
      // the session id the guard looks up, the sealed token a resend writes
      await t.dataSource.query(`ALTER TABLE sessions RENAME TO sessions_away`);
      try {
        expect(keep('session lookup fails', await request(t.http).get(members).set(admin.headers)).status).toBe(500);
      } finally {
        await t.dataSource.query(`ALTER TABLE sessions_away RENAME TO sessions`);
      }
      await t.dataSource.query(
        `ALTER TABLE mail_outbox ADD CONSTRAINT ck_exposure_probe CHECK (kind <> 'invitation.resent') NOT VALID`,
      );
      try {
        const failed = keep(
          'resend fails',
          await request(t.http)
            .post(`${BASE}/rs/na/${admin.userId}/invitations/${secondId}/resend`)
            .set(admin.headers)
            .set('x-request-id', 'exposure-resend-fails'),
        );
        expect(failed.status).toBe(500);
      } finally {
        await t.dataSource.query(`ALTER TABLE mail_outbox DROP CONSTRAINT ck_exposure_probe`);
      }
      expect(
        logLines.filter((l) => l.includes('exposure-resend-fails') && l.includes('ck_exposure_probe')),
      ).toHaveLength(1);

      // once sent, the outbox keeps no sealed token either
      const sealedNow: { secret: string | null }[] = await t.dataSource.query(`SELECT secret FROM mail_outbox`);
      expect(sealedNow.every((r) => r.secret === null)).toBe(true);

      const metrics = keep('metrics', await request(t.http).get('/metrics').expect(200));
      expect(metrics.text).toContain('http_request_duration_seconds');

      // the logs did capture the run, at every level the service writes
      const logText = logLines.join('');
      expect(logLines.length).toBeGreaterThan(20);
      expect(logText).toContain('exposure-invite');
      expect(logText).toMatch(/"statusCode":401/);
      expect(logText).toMatch(/Mail #\d+ \(invitation\) delivered/);

      const hits: string[] = [];
      // sealed outbox values (v2.<key id>.<data>), whatever token they hold
      logLines.forEach(
        (line, i) =>
          /v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{40,}/.test(line) &&
          hits.push(`a sealed token in log line ${i}: ${line}`),
      );
      bodies.forEach(
        (b) => /v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{40,}/.test(b.text) && hits.push(`a sealed token in ${b.what}`),
      );
      for (const [label, value] of minted) {
        expect(value.length).toBeGreaterThanOrEqual(16);
        logLines.forEach((line, i) => line.includes(value) && hits.push(`${label} in log line ${i}: ${line.trim()}`));
        bodies.forEach((b) => b.text.includes(value) && hits.push(`${label} in the response to ${b.what}`));
      }
      process.stdout.write(
        `exposure: ${minted.length} values looked for in ${logLines.length} log lines and ${bodies.length} ` +
          `responses (metrics included): ${hits.length} hits\n`,
      );
      expect(hits).toEqual([]);
    },
    SLOW_MS,
  );
});
