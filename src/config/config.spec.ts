import { ConfigError, loadConfig, parseDurationSeconds } from './config.js';

const BEARER = 'b'.repeat(40);
const SESSION = 's'.repeat(40);
const DATABASE_URL = 'postgres://app:secret@db.internal:5432/memberships';

const production = (env: Record<string, string> = {}) =>
  loadConfig({
    NODE_ENV: 'production',
    AUTH_JWT_SECRET: BEARER,
    SESSION_JWT_SECRET: SESSION,
    DATABASE_URL,
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
    it('starts with the two secrets and DATABASE_URL', () => {
      const config = production();
      expect(config.production).toBe(true);
      expect(config.auth).toMatchObject({
        bearerSecret: BEARER,
        sessionSecret: SESSION,
        usingDevelopmentSecrets: false,
        usingDevelopmentSessionSecret: false,
      });
    });

    it('starts with AUTH_JWKS_URI instead of AUTH_JWT_SECRET', () => {
      const config = production({ AUTH_JWT_SECRET: '', AUTH_JWKS_URI: 'https://idp.example.com/jwks' });
      expect(config.auth.bearerSecret).toBeUndefined();
    });

    it('stops with one message naming every missing variable', () => {
      const message = configError(() => loadConfig({ NODE_ENV: 'production' }));
      expect(message).toContain('AUTH_JWT_SECRET (or AUTH_JWKS_URI)');
      expect(message).toContain('SESSION_JWT_SECRET');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('.env.example');
    });

    it('names only what is missing', () => {
      const message = configError(() => production({ SESSION_JWT_SECRET: '' }));
      expect(message).toContain('SESSION_JWT_SECRET');
      expect(message).not.toContain('AUTH_JWT_SECRET');
      expect(message).not.toContain('DATABASE_URL');
    });

    it('never falls back to the development secrets', () => {
      expect(configError(() => production({ AUTH_JWT_SECRET: '' }))).toContain('AUTH_JWT_SECRET');
    });

    it('refuses secrets shorter than 32 characters', () => {
      expect(configError(() => production({ SESSION_JWT_SECRET: 'short' }))).toMatch(/SESSION_JWT_SECRET.*32/);
      expect(configError(() => production({ AUTH_JWT_SECRET: 'short' }))).toMatch(/AUTH_JWT_SECRET.*32/);
    });

    it('does not echo the secrets it refuses', () => {
      expect(configError(() => production({ AUTH_JWT_SECRET: 'tiny-secret-value' }))).not.toContain(
        'tiny-secret-value',
      );
    });
  });

  describe('the two token secrets', () => {
    it('refuses equal bearer and session secrets, in production and in development', () => {
      expect(configError(() => production({ SESSION_JWT_SECRET: BEARER }))).toBe(
        'AUTH_JWT_SECRET and SESSION_JWT_SECRET must differ.',
      );
      expect(configError(() => loadConfig({ AUTH_JWT_SECRET: 'same', SESSION_JWT_SECRET: 'same' }))).toMatch(
        /must differ/,
      );
    });

    it('compares them after trimming', () => {
      expect(configError(() => production({ SESSION_JWT_SECRET: ` ${BEARER} ` }))).toMatch(/must differ/);
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
