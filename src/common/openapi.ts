import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { BEARER_SECURITY_SCHEME, SESSION_SECURITY_SCHEME, SESSION_TOKEN_HEADER } from '../auth/auth.constants.js';
import type { AppConfig } from '../config/config.js';

const DESCRIPTION = `
Memberships of people in organizations: an organization's admins invite people by email,
backoffice staff register users into organizations directly, and each membership carries a
role (\`scope\`: 1 = ADMIN, 2 = MEMBER) and fine-grained \`permissions\`. Nothing is hard-deleted:
removed memberships keep their row with \`deletedAt\` set.

**Authentication.** Every route except health, metrics and docs needs two credentials:
\`Authorization: Bearer <JWT>\` (its \`sub\` is the user id; \`roles\` may hold the backoffice role)
and \`x-session-token: <JWT>\` naming a live session of the same user. Click **Authorize** and
paste both; \`npm run token -- --user <id>\` prints a pair.

**Errors.** Every error body is \`{ "error", "code", "details"?, "requestId" }\`; validation errors
list each offending field in \`details\`. Every response carries \`x-request-id\`.

**Bodies.** JSON only (\`application/json\`, else 415), at most 16 KiB (else 413). Unknown fields
are rejected. Path ids are decimal integers within ±9007199254740991.
`.trim();

export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('users-organizations')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .addServer(config.http.prefix ? `/${config.http.prefix}` : '/', 'This instance')
    .addTag('health', 'Liveness and readiness probes (no credentials)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: "The user's bearer token (HS256, or RS256/ES256 with a JWKS)",
      },
      BEARER_SECURITY_SCHEME,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: SESSION_TOKEN_HEADER,
        description: 'Session token (HS256 JWT with userId and sessionId)',
      },
      SESSION_SECURITY_SCHEME,
    );
  const document = SwaggerModule.createDocument(app, builder.build(), {
    // Paths are documented without the prefix; the server URL above carries it.
    ignoreGlobalPrefix: true,
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
  if (config.http.prefix) {
    // health sits outside API_PREFIX
    for (const [path, item] of Object.entries(document.paths)) {
      if (path.startsWith('/health/')) {
        item.servers = [{ url: '/' }];
      }
    }
  }
  return document;
}

/** Swagger UI at /docs, the document at /openapi.json. */
export function setupOpenApi(app: INestApplication, config: AppConfig): OpenAPIObject {
  const document = buildOpenApiDocument(app, config);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'users-organizations API',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: false },
  });
  return document;
}
