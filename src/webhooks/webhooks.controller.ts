import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Backoffice } from '../auth/auth.decorators.js';
import { ErrorBody } from '../common/error-body.js';
import { ApiPathId, PathId } from '../common/path-id.decorator.js';
import { CreateWebhookDto } from './dto/create-webhook.dto.js';
import { ListDeliveriesQueryDto, ListWebhooksQueryDto } from './dto/list-webhooks-query.dto.js';
import { UpdateWebhookDto } from './dto/update-webhook.dto.js';
import { WebhookDeliveryDto, WebhookDeliveryPageDto } from './dto/webhook-delivery.dto.js';
import { WebhookDto, WebhookPageDto, WebhookWithSecretDto } from './dto/webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';

const WEBHOOK_EXAMPLE = {
  id: 5,
  url: 'https://hooks.example.com/memberships',
  events: ['invitation.accepted', 'membership.updated', 'membership.removed'],
  organizationId: 1,
  enabled: true,
  disabledReason: null,
  previousSecretExpiresAt: null,
  createdAt: '2024-12-09T14:23:00.000Z',
  updatedAt: '2024-12-09T14:23:00.000Z',
};
// What a generated signing secret looks like (the service makes each one; none is ever configured).
const WHSEC_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const DELIVERY_EXAMPLE = {
  id: 311,
  eventId: 1042,
  eventType: 'membership.updated',
  status: 'pending',
  attempts: 3,
  lastError: 'The receiver answered 503',
  lastStatusCode: 503,
  nextAttemptAt: '2024-12-09T14:23:40.000Z',
  deliveredAt: null,
  createdAt: '2024-12-09T14:23:00.000Z',
};

const BAD_ID = 'A path id is invalid (INVALID_PATH_PARAMETER)';
const NO_ENDPOINT = 'No such webhook endpoint (WEBHOOK_NOT_FOUND)';
const URL_RULES =
  'Outside production any http(s) URL is accepted. In production (unless WEBHOOK_ALLOW_PRIVATE=true) the URL must ' +
  'be https to a public address: private, loopback and link-local addresses, however written, and names that ' +
  'resolve to them are refused with 400 WEBHOOK_URL_REFUSED (checked again at each delivery, which connects only ' +
  'to the address checked).';
const DELIVERY_DOC =
  'Each matching event is POSTed as JSON `{ type, timestamp, data }` per the Standard Webhooks specification, ' +
  'with `webhook-id` (the event id, the same on every retry), `webhook-timestamp` and `webhook-signature` ' +
  '(`v1,<base64 HMAC-SHA256>`; two of them, space-separated, while a rotated secret overlaps), so any Standard ' +
  'Webhooks library verifies it. Deliveries are queued in the transaction of the change, delivered at least once ' +
  '(deduplicate on `webhook-id`), retried with exponential backoff and jitter while the receiver is down (the ' +
  'first retries within a minute); 2xx = delivered; 410 disables the endpoint.';

@ApiTags('backoffice')
@Controller('users-organizations/v1/bo/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Backoffice()
  @ApiOperation({
    summary: 'Register a webhook endpoint',
    description: `Returns the endpoint and its signing \`secret\` (\`whsec_...\`), shown this once. ${DELIVERY_DOC} ${URL_RULES} Needs the backoffice role.`,
  })
  @ApiCreatedResponse({
    description: 'The endpoint, with its secret',
    type: WebhookWithSecretDto,
    example: { ...WEBHOOK_EXAMPLE, secret: WHSEC_EXAMPLE },
  })
  @ApiBadRequestResponse({
    description: 'Invalid body (VALIDATION_FAILED) or URL refused (WEBHOOK_URL_REFUSED)',
    type: ErrorBody,
  })
  @ApiNotFoundResponse({
    description: 'organizationId names no live organization (ORGANIZATION_NOT_FOUND)',
    type: ErrorBody,
  })
  async createBoWebhook(@Body() body: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    return this.webhooks.create(body);
  }

  @Get()
  @Backoffice()
  @ApiOperation({
    summary: 'List webhook endpoints',
    description:
      'Oldest first, without their secrets; pages of `limit`, pass `nextCursor` back as `cursor`. Needs the backoffice role.',
  })
  @ApiOkResponse({
    description: 'One page of endpoints',
    type: WebhookPageDto,
    example: { data: [WEBHOOK_EXAMPLE], nextCursor: null },
  })
  @ApiBadRequestResponse({ description: 'Invalid limit or cursor (VALIDATION_FAILED)', type: ErrorBody })
  async listBoWebhooks(@Query() query: ListWebhooksQueryDto): Promise<WebhookPageDto> {
    return this.webhooks.list(query);
  }

  @Get(':webhookId')
  @Backoffice()
  @ApiOperation({ summary: 'Read a webhook endpoint', description: 'Without its secret. Needs the backoffice role.' })
  @ApiPathId('webhookId', 'Unique identifier of the endpoint', 5)
  @ApiOkResponse({ description: 'The endpoint', type: WebhookDto, example: WEBHOOK_EXAMPLE })
  @ApiBadRequestResponse({ description: BAD_ID, type: ErrorBody })
  @ApiNotFoundResponse({ description: NO_ENDPOINT, type: ErrorBody })
  async getBoWebhook(@PathId('webhookId') webhookId: number): Promise<WebhookDto> {
    return this.webhooks.get(webhookId);
  }

  @Patch(':webhookId')
  @Backoffice()
  @ApiOperation({
    summary: 'Change a webhook endpoint',
    description:
      'Only the fields sent change. `enabled: false` pauses deliveries (they stay queued); `enabled: true` ' +
      `resumes them, also after a 410 disabled the endpoint. ${URL_RULES} Needs the backoffice role.`,
  })
  @ApiPathId('webhookId', 'Unique identifier of the endpoint', 5)
  @ApiOkResponse({ description: 'The endpoint as changed', type: WebhookDto, example: WEBHOOK_EXAMPLE })
  @ApiBadRequestResponse({
    description: `${BAD_ID}, invalid body (VALIDATION_FAILED) or URL refused (WEBHOOK_URL_REFUSED)`,
    type: ErrorBody,
  })
  @ApiNotFoundResponse({
    description: `${NO_ENDPOINT}, or no such organization (ORGANIZATION_NOT_FOUND)`,
    type: ErrorBody,
  })
  async updateBoWebhook(@PathId('webhookId') webhookId: number, @Body() body: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(webhookId, body);
  }

  @Delete(':webhookId')
  @Backoffice()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a webhook endpoint',
    description: 'Its pending deliveries are dropped with it. Needs the backoffice role.',
  })
  @ApiPathId('webhookId', 'Unique identifier of the endpoint', 5)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: BAD_ID, type: ErrorBody })
  @ApiNotFoundResponse({ description: NO_ENDPOINT, type: ErrorBody })
  async deleteBoWebhook(@PathId('webhookId') webhookId: number): Promise<void> {
    await this.webhooks.remove(webhookId);
  }

  @Post(':webhookId/rotate-secret')
  @Backoffice()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Rotate a webhook endpoint's signing secret",
    description:
      'Returns the new secret, shown this once. The previous secret keeps signing too until ' +
      '`previousSecretExpiresAt` (WEBHOOK_SECRET_OVERLAP, default 24 h): deliveries carry both signatures in ' +
      '`webhook-signature`, so the receiver can switch to the new secret at any time in between. Needs the ' +
      'backoffice role.',
  })
  @ApiPathId('webhookId', 'Unique identifier of the endpoint', 5)
  @ApiOkResponse({
    description: 'The endpoint with its new secret',
    type: WebhookWithSecretDto,
    example: { ...WEBHOOK_EXAMPLE, previousSecretExpiresAt: '2024-12-10T14:23:00.000Z', secret: WHSEC_EXAMPLE },
  })
  @ApiBadRequestResponse({ description: BAD_ID, type: ErrorBody })
  @ApiNotFoundResponse({ description: NO_ENDPOINT, type: ErrorBody })
  async rotateBoWebhookSecret(@PathId('webhookId') webhookId: number): Promise<WebhookWithSecretDto> {
    return this.webhooks.rotateSecret(webhookId);
  }

  @Get(':webhookId/deliveries')
  @Backoffice()
  @ApiOperation({
    summary: "List a webhook endpoint's deliveries",
    description:
      'Newest first, with attempts, the last error and when the next attempt is due; filter by `status`. Pages of ' +
      '`limit`; pass `nextCursor` back as `cursor`. Needs the backoffice role.',
  })
  @ApiPathId('webhookId', 'Unique identifier of the endpoint', 5)
  @ApiOkResponse({
    description: 'One page of deliveries',
    type: WebhookDeliveryPageDto,
    example: { data: [DELIVERY_EXAMPLE], nextCursor: null },
  })
  @ApiBadRequestResponse({ description: `${BAD_ID}, or an invalid query (VALIDATION_FAILED)`, type: ErrorBody })
  @ApiNotFoundResponse({ description: NO_ENDPOINT, type: ErrorBody })
  async listBoWebhookDeliveries(
    @PathId('webhookId') webhookId: number,
    @Query() query: ListDeliveriesQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(webhookId, query);
  }

  @Post(':webhookId/deliveries/:deliveryId/retry')
  @Backoffice()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Retry a delivery now',
    description:
      'Makes a delivery that is not delivered due at once (a failed one gets one more attempt); the attempt runs in ' +
      'the background: read the deliveries to see its outcome. Needs the backoffice role.',
  })
  @ApiPathId('webhookId', 'Unique identifier of the endpoint', 5)
  @ApiPathId('deliveryId', 'Unique identifier of the delivery', 311)
  @ApiResponseAccepted()
  @ApiBadRequestResponse({ description: BAD_ID, type: ErrorBody })
  @ApiNotFoundResponse({
    description: `${NO_ENDPOINT}, or no such delivery of it (WEBHOOK_DELIVERY_NOT_FOUND)`,
    type: ErrorBody,
  })
  @ApiConflictResponse({
    description:
      'Already delivered (WEBHOOK_DELIVERY_ALREADY_DELIVERED), or the endpoint is disabled (WEBHOOK_DISABLED)',
    type: ErrorBody,
  })
  async retryBoWebhookDelivery(
    @PathId('webhookId') webhookId: number,
    @PathId('deliveryId') deliveryId: number,
  ): Promise<WebhookDeliveryDto> {
    return this.webhooks.retryDelivery(webhookId, deliveryId);
  }
}

function ApiResponseAccepted() {
  return ApiAcceptedResponse({
    description: 'The delivery, due now',
    type: WebhookDeliveryDto,
    example: { ...DELIVERY_EXAMPLE, nextAttemptAt: '2024-12-09T14:25:00.000Z' },
  });
}
