import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { BEARER_SECURITY_SCHEME, SESSION_SECURITY_SCHEME, SESSION_TOKEN_HEADER } from '../auth/auth.constants.js';
import type { AppConfig } from '../config/config.js';
import { IDEMPOTENCY_KEY_PATTERN_SOURCE } from '../idempotency/idempotency.guard.js';
import { ErrorBody } from './error-body.js';
import { addLinks } from './openapi-links.js';
import { closeValidatedSchemas, documentValidationRules } from './openapi-rules.js';

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

**Bad input.** A malformed body field, path, query or header parameter is 400 \`VALIDATION_FAILED\`;
each entry of \`details\` names one: body fields by their path (\`permissions.read.0\`), parameters
by their location and name (\`path.userId\`, \`query.organizationId\`, \`header.If-Match\`).

**Links.** Responses link to the operations that read, change or end what they return
(OpenAPI \`links\`), and lists to their next page.
`.trim();

/**
 * The document, from the controllers' and DTOs' decorators, then completed in four steps:
 * 1. before the scan, each validator's rule (type, bounds, pattern, enum, lengths, items) is
 *    added to its field's `@ApiProperty` (openapi-rules.ts), so the schemas and the query
 *    parameters made from DTOs state what the validators enforce;
 * 2. the schemas of validated classes get `additionalProperties: false` (the global pipe
 *    refuses unknown fields) and their `@MinProperties` (openapi-rules.ts);
 * 3. the answers and headers every route shares (addCommonResponses below: 400, 401, 413,
 *    415, 429, 500, 503, `Idempotency-Key` with its pattern, 409/422 of idempotency);
 * 4. links between the operations that create a resource and those that read, change or end
 *    it (openapi-links.ts).
 */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('users-organizations')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .addServer(config.http.prefix ? `/${config.http.prefix}` : '/', 'This instance')
    .addTag('invitations', 'Invite people by email; the invitee accepts or declines')
    .addTag('members', "An organization's admins manage its memberships and invitations; members leave")
    .addTag('organizations', "A user's own organizations; an organization's roles, limits and allowed email domains")
    .addTag('backoffice', 'Backoffice staff: register users, manage any membership, read the audit trail')
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
  const validated = documentValidationRules(app);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    // Paths are documented without the prefix; the server URL above carries it.
    ignoreGlobalPrefix: true,
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
    extraModels: [ErrorBody],
  });
  closeValidatedSchemas(document, validated);
  addCommonResponses(document);
  addLinks(document);
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

/**
 * Swagger UI at /docs, the document at /openapi.json. The document is built on its first
 * request, not at start (it took ~30 ms of a ~1 s cold start).
 */
export function setupOpenApi(app: INestApplication, config: AppConfig): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'users-organizations API',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: false },
  });
}

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
}

/**
 * The answers every route can give, whatever its controller says: they come from the
 * global guard, pipes, body parser, idempotency keys and the database, so they are added
 * here once rather than on each handler.
 */
function addCommonResponses(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation: Operation | undefined = item[method];
      if (!operation) {
        continue;
      }
      const add = (status: number, description: string) => {
        operation.responses[String(status)] ??= errorResponse(description);
      };
      const secured = (operation.security?.length ?? 0) > 0;
      if (operation.requestBody || (operation.parameters?.length ?? 0) > 0) {
        add(400, 'Invalid path, query or body (details lists each offending field)');
      }
      if (operation.requestBody) {
        add(413, 'Body larger than 16 KiB');
        add(415, 'Body not sent as application/json');
      }
      if (secured) {
        add(401, 'Missing, invalid, expired or revoked bearer or session token');
        add(429, 'Too many requests, or too many failed authentications from this address (see Retry-After)');
        if (WRITE_METHODS.has(method)) {
          operation.parameters = [
            ...(operation.parameters ?? []),
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Makes a retry safe: the same key and request within 24 h replays the first response (with ' +
                'Idempotent-Replayed: true). 1 to 255 visible ASCII characters (no spaces), else 400.',
              schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN_SOURCE },
            },
          ];
          add(409, 'Conflict (or a request with this Idempotency-Key is still running)');
          add(422, 'This Idempotency-Key was used with another request');
        }
      }
      add(500, 'Internal server error (the body carries only the request id)');
      add(503, 'The database is unavailable; retry later');
    }
  }
}
