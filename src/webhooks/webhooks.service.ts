import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { decodeCursor, pageOf } from '../common/cursor.js';
import { errorBody } from '../common/error-body.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Sql } from '../database/sql.js';
import type { CreateWebhookDto } from './dto/create-webhook.dto.js';
import {
  DEFAULT_WEBHOOK_PAGE_SIZE,
  type ListDeliveriesQueryDto,
  type ListWebhooksQueryDto,
} from './dto/list-webhooks-query.dto.js';
import type { UpdateWebhookDto } from './dto/update-webhook.dto.js';
import type { WebhookDeliveryDto, WebhookDeliveryPageDto } from './dto/webhook-delivery.dto.js';
import type { WebhookDto, WebhookPageDto, WebhookWithSecretDto } from './dto/webhook.dto.js';
import { WebhookDeliveryWorker } from './webhook-delivery.worker.js';
import { WebhookErrorCode } from './webhook-error-codes.js';
import { newWebhookSecret, WebhookSecretBox } from './webhook-secret-box.js';
import { checkWebhookUrl, WebhookUrlError } from './webhook-url-policy.js';

interface EndpointRow {
  id: number | string;
  url: string;
  events: string[];
  organization_id: number | string | null;
  enabled: boolean;
  disabled_reason: string | null;
  previous_secret_expires_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

interface DeliveryRow {
  id: number | string;
  event_id: number | string;
  event_type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  last_status_code: number | null;
  next_attempt_at: Date | string;
  delivered_at: Date | string | null;
  created_at: Date | string;
}

const ENDPOINT_COLUMNS = `id, url, events, organization_id, enabled, disabled_reason,
  CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_secret_expires_at,
  created_at, updated_at`;

const iso = (v: Date | string) => new Date(v).toISOString();

function toWebhook(row: EndpointRow): WebhookDto {
  return {
    id: Number(row.id),
    url: row.url,
    events: row.events,
    organizationId: row.organization_id === null ? null : Number(row.organization_id),
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : iso(row.previous_secret_expires_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function toDelivery(row: DeliveryRow): WebhookDeliveryDto {
  return {
    id: Number(row.id),
    eventId: Number(row.event_id),
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    lastStatusCode: row.last_status_code,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    deliveredAt: row.delivered_at === null ? null : iso(row.delivered_at),
    createdAt: iso(row.created_at),
  };
}

const notFound = () =>
  new NotFoundException(errorBody('The webhook endpoint does not exist', WebhookErrorCode.WEBHOOK_NOT_FOUND));

/** Backoffice management of webhook endpoints and their deliveries. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly sql: Sql,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: WebhookSecretBox,
    private readonly worker: WebhookDeliveryWorker,
  ) {}

  async create(dto: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    const url = await this.checkUrl(dto.url);
    const secret = newWebhookSecret();
    const rows = await this.sql.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (url, events, organization_id, secret)
       SELECT $1, $2::text[], $3::bigint, $4
        WHERE $3::bigint IS NULL
           OR EXISTS (SELECT 1 FROM organizations o WHERE o.id = $3::bigint AND o.deleted_at IS NULL)
       RETURNING ${ENDPOINT_COLUMNS}`,
      [url, dto.events, dto.organizationId ?? null, this.secrets.seal(secret)],
    );
    if (rows.length === 0) {
      throw this.organizationNotFound();
    }
    this.worker.endpointsChanged();
    return { ...toWebhook(rows[0]), secret };
  }

  async list(query: ListWebhooksQueryDto): Promise<WebhookPageDto> {
    const limit = query.limit ?? DEFAULT_WEBHOOK_PAGE_SIZE;
    const after = decodeCursor(query.cursor) ?? 0;
    const rows = await this.sql.read<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id > $1 ORDER BY id LIMIT $2`,
      [after, limit + 1],
    );
    const page = pageOf(rows.map(toWebhook), limit);
    return { data: page.items, nextCursor: page.nextCursor };
  }

  async get(id: number): Promise<WebhookDto> {
    const rows = await this.sql.read<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [
      id,
    ]);
    if (rows.length === 0) {
      throw notFound();
    }
    return toWebhook(rows[0]);
  }

  async update(id: number, dto: UpdateWebhookDto): Promise<WebhookDto> {
    const url = dto.url === undefined ? null : await this.checkUrl(dto.url);
    const organizationChanges = dto.organizationId !== undefined;
    const rows = await this.sql.query<EndpointRow & { organization_ok: boolean }>(
      `WITH ok AS (
         SELECT NOT $4 OR $5::bigint IS NULL
                OR EXISTS (SELECT 1 FROM organizations o WHERE o.id = $5::bigint AND o.deleted_at IS NULL) AS organization_ok
       ), updated AS (
         UPDATE webhook_endpoints
            SET url = COALESCE($2, url),
                events = COALESCE($3::text[], events),
                organization_id = CASE WHEN $4 THEN $5::bigint ELSE organization_id END,
                enabled = COALESCE($6, enabled),
                disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END,
                updated_at = now()
          WHERE id = $1 AND (SELECT organization_ok FROM ok)
         RETURNING ${ENDPOINT_COLUMNS}
       )
       SELECT ok.organization_ok, u.* FROM ok LEFT JOIN updated u ON true`,
      [id, url, dto.events ?? null, organizationChanges, dto.organizationId ?? null, dto.enabled ?? null],
    );
    if (!rows[0].organization_ok) {
      throw this.organizationNotFound();
    }
    if (rows[0].id === null) {
      throw notFound();
    }
    if (dto.enabled === true) {
      this.worker.endpointsChanged();
      this.worker.kick();
    }
    return toWebhook(rows[0]);
  }

  async remove(id: number): Promise<void> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE or DELETE with [rows, count].
    const rows = await this.sql.query<unknown>(
      `WITH d AS (DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id) SELECT id FROM d`,
      [id],
    );
    if (rows.length === 0) {
      throw notFound();
    }
  }

  /**
   * A new signing secret, shown once. The current one becomes the previous one and still
   * signs (deliveries carry both signatures) for WEBHOOK_SECRET_OVERLAP, so receivers can
   * switch over without rejecting a delivery.
   */
  async rotateSecret(id: number): Promise<WebhookWithSecretDto> {
    const secret = newWebhookSecret();
    const rows = await this.sql.query<EndpointRow>(
      `WITH u AS (
         UPDATE webhook_endpoints
            SET previous_secret = secret,
                previous_secret_expires_at = now() + $3 * interval '1 second',
                secret = $2, updated_at = now()
          WHERE id = $1
         RETURNING *
       )
       SELECT ${ENDPOINT_COLUMNS} FROM u`,
      [id, this.secrets.seal(secret), this.config.webhooks.secretOverlapSeconds],
    );
    if (rows.length === 0) {
      throw notFound();
    }
    return { ...toWebhook(rows[0]), secret };
  }

  async listDeliveries(endpointId: number, query: ListDeliveriesQueryDto): Promise<WebhookDeliveryPageDto> {
    const limit = query.limit ?? DEFAULT_WEBHOOK_PAGE_SIZE;
    const before = decodeCursor(query.cursor) ?? null;
    const rows = await this.sql.read<DeliveryRow & { endpoint_exists: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1) AS endpoint_exists, x.*
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (
           SELECT d.id, d.event_id, a.action AS event_type, d.status, d.attempts, d.last_error,
                  d.last_status_code, d.next_attempt_at, d.delivered_at, d.created_at
             FROM webhook_deliveries d
             JOIN audit_events a ON a.id = d.event_id
            WHERE d.endpoint_id = $1
              AND ($2::bigint IS NULL OR d.id < $2::bigint)
              AND ($3::text IS NULL OR d.status = $3::text)
            ORDER BY d.id DESC
            LIMIT $4
         ) x ON true
        ORDER BY x.id DESC`,
      [endpointId, before, query.status ?? null, limit + 1],
    );
    if (rows.length === 0 || !rows[0].endpoint_exists) {
      throw notFound();
    }
    const page = pageOf(rows.filter((r) => r.id !== null).map(toDelivery), limit);
    return { data: page.items, nextCursor: page.nextCursor };
  }

  /** Makes a delivery that is not delivered due now (one more attempt if it had given up). */
  async retryDelivery(endpointId: number, deliveryId: number): Promise<WebhookDeliveryDto> {
    const rows: (Partial<DeliveryRow> & { found: boolean; enabled: boolean | null; was: string | null })[] =
      await this.sql.query(
        `WITH target AS (
           SELECT d.id, d.status, e.enabled
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.id = $2 AND d.endpoint_id = $1
            FOR UPDATE OF d
         ), updated AS (
           UPDATE webhook_deliveries d
              SET status = 'pending', next_attempt_at = now(), updated_at = now(),
                  -- one more attempt for a delivery that had given up
                  attempts = CASE WHEN d.status = 'failed' THEN LEAST(d.attempts, $3 - 1) ELSE d.attempts END
             FROM target t
            WHERE d.id = t.id AND t.status <> 'delivered' AND t.enabled
           RETURNING d.id, d.event_id, d.status, d.attempts, d.last_error, d.last_status_code, d.next_attempt_at,
                     d.delivered_at, d.created_at
         )
         SELECT (SELECT count(*) FROM target) > 0 AS found, t.enabled, t.status AS was, u.*,
                (SELECT a.action FROM audit_events a WHERE a.id = u.event_id) AS event_type
           FROM (SELECT 1) one LEFT JOIN target t ON true LEFT JOIN updated u ON true`,
        [endpointId, deliveryId, this.config.webhooks.maxAttempts],
      );
    const row = rows[0];
    if (!row.found) {
      throw new NotFoundException(
        errorBody('The delivery does not exist for this endpoint', WebhookErrorCode.WEBHOOK_DELIVERY_NOT_FOUND),
      );
    }
    if (row.was === 'delivered') {
      throw new ConflictException(
        errorBody('The delivery was already delivered', WebhookErrorCode.WEBHOOK_DELIVERY_ALREADY_DELIVERED),
      );
    }
    if (!row.enabled) {
      throw new ConflictException(
        errorBody('The endpoint is disabled: enable it first (PATCH enabled: true)', WebhookErrorCode.WEBHOOK_DISABLED),
      );
    }
    this.worker.kick();
    return toDelivery(row as DeliveryRow);
  }

  private async checkUrl(raw: string): Promise<string> {
    try {
      return (await checkWebhookUrl(raw, this.config.webhooks.allowPrivate)).toString();
    } catch (error) {
      if (error instanceof WebhookUrlError) {
        throw new BadRequestException(
          errorBody(error.message, WebhookErrorCode.WEBHOOK_URL_REFUSED, {
            details: [{ path: 'url', message: error.message }],
          }),
        );
      }
      throw error;
    }
  }

  private organizationNotFound() {
    return new NotFoundException(errorBody('The organization does not exist', WebhookErrorCode.ORGANIZATION_NOT_FOUND));
  }
}
