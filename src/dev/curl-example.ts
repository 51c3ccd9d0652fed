import type { IssuedTokens } from '../auth/session-tokens.js';
import type { AppConfig } from '../config/config.js';

export function baseUrl(config: AppConfig): string {
  const origin = config.http.publicUrl ?? `http://localhost:${config.http.port}`;
  return config.http.prefix ? `${origin}/${config.http.prefix}` : origin;
}

/** A ready curl line for the seed invite route. */
export function curlExample(config: AppConfig, tokens: IssuedTokens, userId: number): string {
  const body = JSON.stringify({
    email: 'new.person@example.com',
    scope: 2,
    permissions: { group: 0, read: [1], manage: [] },
  });
  return [
    `curl -i -X POST '${baseUrl(config)}/users-organizations/v1/rs/na/${userId}/invite' \\`,
    `  -H 'Authorization: Bearer ${tokens.bearer}' \\`,
    `  -H 'x-session-token: ${tokens.session}' \\`,
    `  -H 'content-type: application/json' \\`,
    `  --data '${body}'`,
  ].join('\n');
}
