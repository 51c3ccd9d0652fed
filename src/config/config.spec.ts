import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, loadDatabaseConfig, parseDurationSeconds } from './config.js';
import {
  DEV_AUTH_JWT_SECRET,
  DEV_MAIL_SECRET_KEY,
  DEV_SESSION_JWT_SECRET,
  PUBLISHED_SECRET_VALUES,
} from './published-secrets.js';

const BEARER = 'b'.repeat(40);
const SESSION = 's'.repeat(40);
const MAIL_KEY = randomBytes(32).toString('hex');
const DATABASE_URL = 'postgres://app:secret@db.internal:5432/memberships';
const ACCEPT_URL = 'https://app.example.com/invitations/accept?token={token}';

const production = (env: Record<string, string> = {}) =>
  loadConfig({
    NODE_ENV: 'production',
    AUTH_JWT_SECRET: BEARER,
    SESSION_JWT_SECRET: SESSION,
    DATABASE_URL,
    SMTP_URL: 'smtp://mail.internal:587',
    INVITATION_ACCEPT_URL: ACCEPT_URL,
    MAIL_SECRET_KEY: MAIL_KEY,
    ...env,
  });

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  describe('in development', () => {
    it('starts with nothing set, on fixed development secrets it says it uses', () => {
      const config = loadConfig({});
      expect(config.env).toBe('development');
      expect(config.production).toBe(false);
      expect(config.auth.bearerSecret).toEqual(expect.any(String));
      expect(config.auth.sessionSecret).toEqual(expect.any(String));
      expect(config.auth.bearerSecret).not.toBe(config.auth.sessionSecret);
      expect(config.auth.usingDevelopmentSecrets).toBe(true);
      expect(config.auth.usingDevelopmentSessionSecret).toBe(true);
      expect(config.database.url).toBeUndefined();
    });

    it('has database timeouts that answer 503 within 2 s when the database does not answer', () => {
      expect(loadConfig({}).database).toMatchObject({
        connectTimeoutMs: 1500,
        queryTimeoutMs: 5000,
        statementTimeoutMs: 5000,
        idleInTransactionTimeoutMs: 10000,
      });
    });

    it('has auth defaults: 30 s tolerance, 24 h max lifetime, 12 h sessions, role backoffice', () => {
      expect(loadConfig({}).auth).toMatchObject({
        clockToleranceSeconds: 30,
        maxTokenLifetimeSeconds: 86_400,
        sessionTtlSeconds: 43_200,
        backofficeRole: 'backoffice',
        issuer: undefined,
        audience: undefined,
        jwksUri: undefined,
      });
    });

    it('uses no bearer secret in JWKS mode', () => {
      const config = loadConfig({ AUTH_JWKS_URI: 'https://idp.example.com/.well-known/jwks.json' });
      expect(config.auth.bearerSecret).toBeUndefined();
      expect(config.auth.jwksUri).toBe('https://idp.example.com/.well-known/jwks.json');
      expect(config.auth.usingDevelopmentSecrets).toBe(false);
    });

    it('refuses an AUTH_JWKS_URI that is not a URL', () => {
      expect(configError(() => loadConfig({ AUTH_JWKS_URI: 'not a url' }))).toMatch(/AUTH_JWKS_URI/);
    });

    it('treats blank variables as unset', () => {
      const config = loadConfig({ AUTH_JWT_SECRET: '  ', AUTH_JWT_ISSUER: '', DATABASE_URL: ' ' });
      expect(config.auth.usingDevelopmentSecrets).toBe(true);
      expect(config.auth.issuer).toBeUndefined();
      expect(config.database.url).toBeUndefined();
    });
  });

  describe('in production', () => {
    it('starts with every required variable set to a value of its own', () => {
      const config = production();
      expect(config.production).toBe(true);
      expect(config.http.host).toBe('0.0.0.0');
      expect(config.auth).toMatchObject({
        bearerSecret: BEARER,
        sessionSecret: SESSION,
        usingDevelopmentSecrets: false,
        usingDevelopmentSessionSecret: false,
      });
      expect(config.mail.transport).toBe('smtp');
      expect(config.mail.secretKey.equals(Buffer.from(MAIL_KEY, 'hex'))).toBe(true);
      expect(config.invitations.acceptUrl).toBe(ACCEPT_URL);
      expect(config.publishedSecrets).toEqual([]);
    });

    it('starts with AUTH_JWKS_URI instead of AUTH_JWT_SECRET', () => {
      const config = production({ AUTH_JWT_SECRET: '', AUTH_JWKS_URI: 'https://idp.example.com/jwks' });
      expect(config.auth.bearerSecret).toBeUndefined();
    });

    it('starts without SMTP_URL when MAIL_TRANSPORT=file says so on purpose', () => {
      const config = production({ SMTP_URL: '', MAIL_TRANSPORT: 'file' });
      expect(config.mail.transport).toBe('file');
    });

    it('reads MAIL_SECRET_KEY as base64 too, and the previous keys for rotation', () => {
      const key = randomBytes(32);
      const previous = [randomBytes(32), randomBytes(32)];
      const config = production({
        MAIL_SECRET_KEY: key.toString('base64'),
        MAIL_SECRET_KEY_PREVIOUS: `${previous[0].toString('hex')}, ${previous[1].toString('base64url')}`,
      });
      expect(config.mail.secretKey.equals(key)).toBe(true);
      expect(config.mail.previousSecretKeys.map((k) => k.toString('hex'))).toEqual(
        previous.map((k) => k.toString('hex')),
      );
    });

    it.each<[string, Record<string, string>, string]>([
      [
        'no bearer secret',
        { AUTH_JWT_SECRET: '' },
        'AUTH_JWT_SECRET: not set, nor AUTH_JWKS_URI; NODE_ENV=production needs one of them (generate one with: openssl rand -hex 32)',
      ],
      [
        'no session secret',
        { SESSION_JWT_SECRET: '' },
        'SESSION_JWT_SECRET: not set; NODE_ENV=production needs it (generate one with: openssl rand -hex 32)',
      ],
      [
        'no database',
        { DATABASE_URL: '' },
        'DATABASE_URL: not set; NODE_ENV=production needs a PostgreSQL (the embedded database is for development only)',
      ],
      [
        'no SMTP server',
        { SMTP_URL: '' },
        'SMTP_URL: not set; NODE_ENV=production needs an SMTP server, or MAIL_TRANSPORT=file to write mails ' +
          '(accept links included) to MAIL_DIR on purpose',
      ],
      [
        'no accept page',
        { INVITATION_ACCEPT_URL: '' },
        'INVITATION_ACCEPT_URL: not set; NODE_ENV=production needs the page invitees open, with {token} where the ' +
          'token goes',
      ],
      [
        'the development accept page',
        { INVITATION_ACCEPT_URL: 'http://localhost:3000/invitations/accept?token={token}' },
        'INVITATION_ACCEPT_URL: is the development example (a localhost link); set the page invitees open',
      ],
      [
        'no mail key',
        { MAIL_SECRET_KEY: '' },
        'MAIL_SECRET_KEY: not set; NODE_ENV=production needs 32 bytes, as 64 hex characters or base64 ' +
          '(generate one with: openssl rand -hex 32)',
      ],
      [
        'a mail key of 31 bytes',
        { MAIL_SECRET_KEY: randomBytes(31).toString('hex') },
        'MAIL_SECRET_KEY: must be 32 bytes, given as 64 hex characters or as base64 (generate one with: openssl rand -hex 32)',
      ],
      [
        'a mail key that is a passphrase',
        { MAIL_SECRET_KEY: 'a passphrase that is long enough but is not a key' },
        'MAIL_SECRET_KEY: must be 32 bytes, given as 64 hex characters or as base64 (generate one with: openssl rand -hex 32)',
      ],
      [
        'a previous mail key that is not a key',
        { MAIL_SECRET_KEY_PREVIOUS: 'not-a-key' },
        'MAIL_SECRET_KEY_PREVIOUS: each key (comma-separated) must be 32 bytes, as 64 hex characters or base64',
      ],
      [
        'a short bearer secret',
        { AUTH_JWT_SECRET: 'short' },
        'AUTH_JWT_SECRET: shorter than 32 characters; generate one with: openssl rand -hex 32',
      ],
      [
        'a short session secret',
        { SESSION_JWT_SECRET: 'x'.repeat(31) },
        'SESSION_JWT_SECRET: shorter than 32 characters; generate one with: openssl rand -hex 32',
      ],
      [
        'the development bearer secret',
        { AUTH_JWT_SECRET: DEV_AUTH_JWT_SECRET },
        'AUTH_JWT_SECRET: is a development or example value published in this repository; generate one with: openssl rand -hex 32',
      ],
      [
        'the development session secret',
        { SESSION_JWT_SECRET: DEV_SESSION_JWT_SECRET },
        'SESSION_JWT_SECRET: is a development or example value published in this repository; generate one with: openssl rand -hex 32',
      ],
      [
        'the development mail key',
        { MAIL_SECRET_KEY: DEV_MAIL_SECRET_KEY },
        'MAIL_SECRET_KEY: is a development or example value published in this repository; generate one with: openssl rand -hex 32',
      ],
      [
        'the development mail key as base64',
        { MAIL_SECRET_KEY: Buffer.from(DEV_MAIL_SECRET_KEY, 'hex').toString('base64') },
        'MAIL_SECRET_KEY: is a development or example value published in this repository; generate one with: openssl rand -hex 32',
      ],
      [
        'the compose file’s former fallback bearer secret',
        { AUTH_JWT_SECRET: 'change-me-bearer-secret-at-least-32-chars' },
        'AUTH_JWT_SECRET: is a development or example value published in this repository; generate one with: openssl rand -hex 32',
      ],
      [
        'the compose file’s former fallback session secret, padded with blanks',
        { SESSION_JWT_SECRET: ' change-me-session-secret-at-least-32-chars ' },
        'SESSION_JWT_SECRET: is a development or example value published in this repository; generate one with: openssl rand -hex 32',
      ],
      [
        'one secret for both tokens',
        { SESSION_JWT_SECRET: BEARER },
        'SESSION_JWT_SECRET: must differ from AUTH_JWT_SECRET',
      ],
      [
        'MAIL_TRANSPORT=smtp without a server',
        { SMTP_URL: '', MAIL_TRANSPORT: 'smtp' },
        'SMTP_URL: not set, but MAIL_TRANSPORT=smtp',
      ],
    ])('refuses %s, with one line naming the variable', (_case, env, message) => {
      expect(configError(() => production(env))).toBe(message);
    });

    it('refuses every published value: the development defaults and the examples', () => {
      for (const value of PUBLISHED_SECRET_VALUES) {
        const message = configError(() => production({ AUTH_JWT_SECRET: value }));
        expect(message).toMatch(/^AUTH_JWT_SECRET: (is a development or example value|must be|shorter)/);
      }
    });

    it('names each missing variable on a line of its own', () => {
      const lines = configError(() => loadConfig({ NODE_ENV: 'production' })).split('\n');
      expect(lines.map((l) => l.split(':')[0])).toEqual([
        'AUTH_JWT_SECRET',
        'SESSION_JWT_SECRET',
        'DATABASE_URL',
        'SMTP_URL',
        'INVITATION_ACCEPT_URL',
        'MAIL_SECRET_KEY',
      ]);
    });

    it('never falls back to the development secrets', () => {
      expect(configError(() => production({ AUTH_JWT_SECRET: '' }))).toContain('AUTH_JWT_SECRET');
    });

    it('does not echo the secrets it refuses', () => {
      expect(configError(() => production({ AUTH_JWT_SECRET: 'tiny-secret-value' }))).not.toContain(
        'tiny-secret-value',
      );
      expect(configError(() => production({ MAIL_SECRET_KEY: 'not-a-key-at-all' }))).not.toContain('not-a-key');
    });
  });

  describe('bind address and development secrets', () => {
    it('listens on loopback by default outside production', () => {
      expect(loadConfig({}).http.host).toBe('127.0.0.1');
      expect(loadConfig({ NODE_ENV: 'test' }).http.host).toBe('127.0.0.1');
    });

    it('refuses MAIL_TRANSPORT=smtp without SMTP_URL in development too', () => {
      expect(configError(() => loadConfig({ MAIL_TRANSPORT: 'smtp' }))).toBe(
        'SMTP_URL: not set, but MAIL_TRANSPORT=smtp',
      );
    });

    it('names the development secrets it uses', () => {
      expect(loadConfig({}).publishedSecrets).toEqual(['AUTH_JWT_SECRET', 'SESSION_JWT_SECRET', 'MAIL_SECRET_KEY']);
      expect(loadConfig({ AUTH_JWT_SECRET: BEARER, MAIL_SECRET_KEY: MAIL_KEY }).publishedSecrets).toEqual([
        'SESSION_JWT_SECRET',
      ]);
    });

    it.each(['127.0.0.1', '127.0.1.1', 'localhost', '::1', '[::1]'])('allows them on loopback (%s)', (host) => {
      expect(loadConfig({ HOST: host }).http.host).toBe(host);
    });

    it.each(['0.0.0.0', '::', '192.168.1.10', 'example.com'])('refuses them on %s', (host) => {
      expect(configError(() => loadConfig({ HOST: host }))).toBe(
        `HOST: ${host} is not a loopback address, and AUTH_JWT_SECRET, SESSION_JWT_SECRET, MAIL_SECRET_KEY are ` +
          'published development values; set your own secrets or listen on 127.0.0.1',
      );
    });

    it('refuses even one of them beyond loopback, naming it', () => {
      expect(
        configError(() => loadConfig({ HOST: '0.0.0.0', AUTH_JWT_SECRET: BEARER, SESSION_JWT_SECRET: SESSION })),
      ).toBe(
        'HOST: 0.0.0.0 is not a loopback address, and MAIL_SECRET_KEY is a published development value; ' +
          'set your own secrets or listen on 127.0.0.1',
      );
    });

    it('refuses a published value given explicitly beyond loopback', () => {
      expect(
        configError(() =>
          loadConfig({
            HOST: '0.0.0.0',
            AUTH_JWT_SECRET: 'change-me-bearer-secret-at-least-32-chars',
            SESSION_JWT_SECRET: SESSION,
            MAIL_SECRET_KEY: MAIL_KEY,
          }),
        ),
      ).toMatch(/^HOST: 0\.0\.0\.0 is not a loopback address, and AUTH_JWT_SECRET is/);
    });

    it('listens beyond loopback in development with secrets of its own', () => {
      const config = loadConfig({
        HOST: '0.0.0.0',
        AUTH_JWT_SECRET: BEARER,
        SESSION_JWT_SECRET: SESSION,
        MAIL_SECRET_KEY: MAIL_KEY,
      });
      expect(config.http.host).toBe('0.0.0.0');
    });
  });

  describe('the two token secrets', () => {
    it('refuses equal bearer and session secrets in development too, after trimming', () => {
      expect(configError(() => loadConfig({ AUTH_JWT_SECRET: 'same', SESSION_JWT_SECRET: 'same' }))).toBe(
        'SESSION_JWT_SECRET: must differ from AUTH_JWT_SECRET',
      );
      expect(configError(() => production({ SESSION_JWT_SECRET: ` ${BEARER} ` }))).toMatch(/must differ/);
    });
  });

  describe('the database tools', () => {
    it('need DATABASE_URL alone, even with NODE_ENV=production', () => {
      const database = loadDatabaseConfig({ NODE_ENV: 'production', DATABASE_URL });
      expect(database).toMatchObject({ url: DATABASE_URL, poolMax: 10, connectTimeoutMs: 1500 });
    });

    it('still refuse a malformed database setting, naming it', () => {
      expect(configError(() => loadDatabaseConfig({ DB_POOL_MAX: '0' }))).toMatch(/^DB_POOL_MAX: /);
    });
  });

  describe('durations', () => {
    it('reads AUTH_MAX_TOKEN_LIFETIME, SESSION_TTL and INVITATION_TTL in seconds, minutes, hours or days', () => {
      const config = loadConfig({ AUTH_MAX_TOKEN_LIFETIME: '90m', SESSION_TTL: '3600', INVITATION_TTL: '2d' });
      expect(config.auth.maxTokenLifetimeSeconds).toBe(5400);
      expect(config.auth.sessionTtlSeconds).toBe(3600);
      expect(config.invitations.ttlSeconds).toBe(172_800);
    });

    it.each(['', '0', 'abc', '1w', '-5', '1.5h', '12 hours'])('refuses %p, naming the variable', (value) => {
      expect(configError(() => loadConfig({ SESSION_TTL: value }))).toMatch(/SESSION_TTL: must be a duration/);
    });

    it('refuses a clock tolerance above 300 s', () => {
      expect(configError(() => loadConfig({ AUTH_CLOCK_TOLERANCE_S: '301' }))).toMatch(/AUTH_CLOCK_TOLERANCE_S/);
      expect(loadConfig({ AUTH_CLOCK_TOLERANCE_S: '0' }).auth.clockToleranceSeconds).toBe(0);
    });
  });

  describe('INVITATION_ACCEPT_URL', () => {
    it("defaults to the service's own accept page, on its port or its public origin", () => {
      expect(loadConfig({}).invitations.acceptUrl).toBe('http://localhost:3000/invitations/accept?token={token}');
      expect(loadConfig({ PORT: '8080' }).invitations.acceptUrl).toBe(
        'http://localhost:8080/invitations/accept?token={token}',
      );
      expect(loadConfig({ PUBLIC_URL: 'https://members.example.com/' }).invitations.acceptUrl).toBe(
        'https://members.example.com/invitations/accept?token={token}',
      );
    });

    it('takes a URL with {token} and refuses one without', () => {
      const url = 'https://app.example.com/join?t={token}';
      expect(loadConfig({ INVITATION_ACCEPT_URL: url }).invitations.acceptUrl).toBe(url);
      expect(configError(() => loadConfig({ INVITATION_ACCEPT_URL: 'https://app.example.com/join' }))).toMatch(
        /INVITATION_ACCEPT_URL/,
      );
    });
  });
});

describe('parseDurationSeconds', () => {
  it.each<[string, number]>([
    ['604800', 604_800],
    ['45s', 45],
    ['90m', 5400],
    ['12h', 43_200],
    ['7d', 604_800],
    [' 2h ', 7200],
    ['10 m', 600],
  ])('reads %p as %p seconds', (value, seconds) => {
    expect(parseDurationSeconds(value)).toBe(seconds);
  });

  it.each(['', 'h', '1w', '-1', '1.5h', '1e3', '1234567890', '7D'])('refuses %p', (value) => {
    expect(parseDurationSeconds(value)).toBeUndefined();
  });
});
