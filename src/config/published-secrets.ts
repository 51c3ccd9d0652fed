/**
 * Secret values anyone can read in this repository, and so must never protect a deployment.
 *
 * The development defaults below are what the service runs on when no secret is given (and it
 * says so at start). The other entries were once published as examples (the compose file's
 * former fallbacks): a deployment may still carry them. Production refuses every value listed
 * here, and development refuses them as soon as it listens beyond loopback.
 *
 * published-secrets.spec.ts scans .env.example, docker-compose.yml, the Dockerfile, README.md,
 * docs/ and deploy/ for secret assignments and the source for secret constants: a value it
 * finds that is not listed here fails the suite, so a newly published value cannot slip past.
 */

export const DEV_AUTH_JWT_SECRET = 'dev-only-bearer-secret-change-me-0123456789';
export const DEV_SESSION_JWT_SECRET = 'dev-only-session-secret-change-me-9876543210';
/** 32 bytes (the ASCII of `dev-only-mail-secret-key-32bytes`), as 64 hex characters. */
export const DEV_MAIL_SECRET_KEY = '6465762d6f6e6c792d6d61696c2d7365637265742d6b65792d33326279746573';

/** The variables holding secrets: what the scan looks for, and what the checks cover. */
export const SECRET_VARIABLES = [
  'AUTH_JWT_SECRET',
  'SESSION_JWT_SECRET',
  'MAIL_SECRET_KEY',
  'MAIL_SECRET_KEY_PREVIOUS',
] as const;

export const PUBLISHED_SECRET_VALUES: readonly string[] = [
  DEV_AUTH_JWT_SECRET,
  DEV_SESSION_JWT_SECRET,
  DEV_MAIL_SECRET_KEY,
  // docker-compose.yml's fallbacks until they were removed
  'change-me-bearer-secret-at-least-32-chars',
  'change-me-session-secret-at-least-32-chars',
];

/** True when the value (as given, trimmed) is one the repository publishes. */
export function isPublishedSecret(value: string): boolean {
  return PUBLISHED_SECRET_VALUES.includes(value.trim());
}
