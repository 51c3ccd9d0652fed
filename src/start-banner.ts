import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { issueSessionTokens } from './auth/session-tokens.js';
import type { AppConfig } from './config/config.js';
import { seedDemoData } from './dev/demo-data.js';

/**
 * What a newcomer needs after `npm start`: where Swagger UI is and how to get tokens. On the
 * embedded database in development, an empty database gets the demo data and the banner
 * prints a ready token pair for its ADMIN.
 */
export async function printStartBanner(app: INestApplication, config: AppConfig): Promise<void> {
  // the port it got, when PORT=0 asked for any free one (the reliability suite does this)
  const address = (app.getHttpServer() as Server).address();
  const port = typeof address === 'object' && address !== null ? address.port : config.http.port;
  const origin = config.http.publicUrl ?? `http://localhost:${port}`;
  const lines = [
    '',
    `users-organizations is listening on ${origin}${config.http.prefix ? `/${config.http.prefix}` : ''}`,
    `  Swagger UI:  ${origin}/docs    OpenAPI: ${origin}/openapi.json`,
    `  Health:      ${origin}/health/ready`,
  ];
  if (config.publishedSecrets.length > 0) {
    // Only ever outside production, and only on loopback: the configuration refuses them otherwise.
    lines.push(
      `  WARNING: ${config.publishedSecrets.join(', ')}: the fixed development values, published in the repository;`,
      `  fine on ${config.http.host} for development, never for a deployment (docs/production.md).`,
    );
  }
  if (!config.production && !config.database.url) {
    const dataSource = app.get(DataSource);
    const users: { n: number }[] = await dataSource.query(`SELECT count(*)::int AS n FROM users`);
    if (users[0].n === 0) {
      const demo = await seedDemoData(dataSource);
      lines.push(
        '',
        `  The database was empty: created a demo organization (${demo.organizationId}), an ADMIN (user ${demo.adminId}),`,
        `  a MEMBER (user ${demo.memberId}) and a backoffice user (user ${demo.backofficeId}).`,
      );
      // With AUTH_JWKS_URI, bearer tokens come from the identity provider: none to print.
      if (!config.auth.jwksUri) {
        const tokens = await issueSessionTokens(dataSource, config, {
          userId: demo.adminId,
          organizationId: demo.organizationId,
        });
        lines.push(
          `  Tokens for the ADMIN (Swagger UI → Authorize):`,
          `    bearer:          ${tokens.bearer}`,
          `    x-session-token: ${tokens.session}`,
        );
      }
    }
  }
  lines.push(
    '',
    '  More tokens: npm run token -- --user <id> [--backoffice] [--organization <id>]',
    '  Demo data:   npm run seed',
    '',
  );
  process.stdout.write(lines.join('\n') + '\n');
}
