import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Sql } from '../database/sql.js';
import type { AppConfig } from '../config/config.js';
import { CoalescedRounds } from '../common/coalesced-rounds.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EVENT_COLUMNS, toEvent, type EventRow } from '../events/event.mapper.js';
import { retryDelayWithJitterMs } from './backoff.js';
import { WebhookSecretBox } from './webhook-secret-box.js';
import { describeAttemptFailure, postWebhook } from './webhook-sender.js';
import { checkWebhookUrlSyntax, publicOnlyLookup, WebhookUrlError } from './webhook-url-policy.js';

/** A delivery this worker has leased, with what it needs to send it. */
interface ClaimedDelivery {
  id: number;
  endpointId: number;
  /** Including this attempt; also the lease's fencing token. */
  attempts: number;
  url: string;
  secrets: string[];
  event: EventRow;
}

interface ClaimRow extends EventRow {
  delivery_id: number | string;
  endpoint_id: number | string;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
}

type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'gone'; status: number }
  | { kind: 'failed'; status: number | null; error: string };

/**
 * Delivers the webhook outbox (`webhook_deliveries`, filled by a trigger in the transaction of
 * each audited change). Claims due deliveries with one short statement (`FOR UPDATE SKIP
 * LOCKED`, so several instances share the work without sending one delivery twice), leases
 * them by pushing `next_attempt_at` past the attempt's timeout, sends them in parallel outside
 * any transaction, then records delivered, a retry with backoff and jitter, or failed. A 410
 * disables the endpoint. Polls every WEBHOOK_POLL_INTERVAL_MS and is woken after each change
 * handled by this instance (`kick()`), so a delivery usually leaves within milliseconds.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private readonly options: AppConfig['webhooks'];
  private readonly leaseMs: number;
  private readonly lookup?: LookupFunction;
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private readonly rounds = new CoalescedRounds(
    () => this.drain(),
    (error: unknown) => this.logger.warn(`Webhook round failed: ${describeAttemptFailure(error, 0)}`),
    () => this.stopped,
  );
  /** Whether any endpoint is enabled, as of the last round: without one, a wake-up is skipped. */
  private endpointsEnabled = true;

  constructor(
    private readonly sql: Sql,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly secrets: WebhookSecretBox,
  ) {
    this.options = config.webhooks;
    // Long enough for the attempt and for recording its outcome; a worker that dies mid-attempt
    // leaves the delivery to be claimed again when the lease ends.
    this.leaseMs = 2 * this.options.timeoutMs + 5000;
    this.lookup = this.options.allowPrivate ? undefined : publicOnlyLookup();
  }

  onApplicationBootstrap(): void {
    if (!this.options.workerEnabled) {
      this.logger.log('WEBHOOK_WORKER_ENABLED=false: this instance queues webhook deliveries but does not send them');
      return;
    }
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops polling and waits for the attempts in flight, so each one's outcome is recorded. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.idle();
  }

  /**
   * After a change: a round now if any endpoint is enabled (else nothing can be due, and the
   * change costs no extra query); the poll still runs as usual.
   */
  wake(): void {
    if (this.endpointsEnabled) {
      this.kick();
    }
  }

  /** Says an endpoint was created or enabled, so the next wake-up is not skipped. */
  endpointsChanged(): void {
    this.endpointsEnabled = true;
  }

  /** Delivers due deliveries now (coalesced: a kick during a round schedules one more round). */
  kick(): void {
    this.rounds.kick();
  }

  /** Resolves once the current round (if any) and the rounds it scheduled are done. */
  idle(): Promise<void> {
    return this.rounds.idle();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const batch = await this.claim(this.options.batchSize);
      if (batch.length === 0) {
        const [{ enabled }] = await this.sql.query<{ enabled: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) AS enabled`,
        );
        this.endpointsEnabled = enabled;
      }
      await Promise.all(batch.map((delivery) => this.attempt(delivery)));
      if (batch.length < this.options.batchSize) {
        return;
      }
    }
  }

  /** Leases up to `limit` due deliveries of enabled endpoints, in one statement. */
  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const rows = await this.sql.query<ClaimRow>(
      `WITH due AS (
         SELECT d.id
           FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
          WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at, d.id
          LIMIT $1
          FOR UPDATE OF d SKIP LOCKED
       ), leased AS (
         UPDATE webhook_deliveries d
            SET attempts = d.attempts + 1,
                next_attempt_at = now() + $2 * interval '1 millisecond',
                updated_at = now()
           FROM due
          WHERE d.id = due.id
         RETURNING d.id, d.endpoint_id, d.event_id, d.attempts
       )
       SELECT l.id AS delivery_id, l.endpoint_id, l.attempts, e.url, e.secret,
              CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret,
              ${EVENT_COLUMNS('a')}
         FROM leased l
         JOIN webhook_endpoints e ON e.id = l.endpoint_id
         JOIN audit_events a ON a.id = l.event_id
        ORDER BY l.id`,
      [limit, this.leaseMs],
    );
    return rows.map((r) => ({
      id: Number(r.delivery_id),
      endpointId: Number(r.endpoint_id),
      attempts: Number(r.attempts),
      url: r.url,
      secrets: [r.secret, r.previous_secret].filter((s): s is string => s !== null),
      event: r,
    }));
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.send(delivery);
    try {
      await this.record(delivery, outcome);
    } catch (error) {
      // The lease runs out and the delivery is attempted again: at least once, same webhook-id.
      this.logger.warn(`Delivery #${delivery.id}: outcome not recorded: ${describeAttemptFailure(error, 0)}`);
    }
  }

  private async send(delivery: ClaimedDelivery): Promise<Outcome> {
    const event = toEvent(delivery.event);
    const body = JSON.stringify({ type: event.type, timestamp: event.createdAt, data: event.data });
    const webhookId = String(event.id);
    const now = new Date();
    try {
      const secrets = delivery.secrets.map((sealed) => this.secrets.open(sealed));
      if (secrets[0] === undefined) {
        throw new Error('The signing secret cannot be decrypted (was SESSION_JWT_SECRET changed?); rotate it');
      }
      const signature = secrets
        .filter((s): s is string => s !== undefined)
        .map((secret) => new Webhook(secret).sign(webhookId, now, body))
        .join(' ');
      const url = checkWebhookUrlSyntax(delivery.url, this.options.allowPrivate);
      const status = await postWebhook({
        url,
        body,
        timeoutMs: this.options.timeoutMs,
        lookup: this.lookup,
        headers: {
          'webhook-id': webhookId,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signature,
        },
      });
      if (status >= 200 && status < 300) {
        return { kind: 'delivered', status };
      }
      if (status === 410) {
        return { kind: 'gone', status };
      }
      return { kind: 'failed', status, error: `The receiver answered ${status}` };
    } catch (error) {
      const reason =
        error instanceof WebhookUrlError ? error.message : describeAttemptFailure(error, this.options.timeoutMs);
      return { kind: 'failed', status: null, error: reason };
    }
  }

  private async record(delivery: ClaimedDelivery, outcome: Outcome): Promise<void> {
    const fence = [delivery.id, delivery.attempts];
    switch (outcome.kind) {
      case 'delivered':
        await this.sql.query(
          `UPDATE webhook_deliveries
              SET status = 'delivered', delivered_at = now(), last_status_code = $3, last_error = NULL, updated_at = now()
            WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
          [...fence, outcome.status],
        );
        return;
      case 'gone':
        await this.sql.query(
          `WITH d AS (
             UPDATE webhook_deliveries
                SET status = 'failed', last_status_code = 410, updated_at = now(),
                    last_error = 'The receiver answered 410 Gone: endpoint disabled'
              WHERE id = $1 AND attempts = $2 AND status = 'pending'
             RETURNING endpoint_id
           )
           UPDATE webhook_endpoints e
              SET enabled = false, updated_at = now(),
                  disabled_reason = 'The receiver answered 410 Gone at ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
             FROM d
            WHERE e.id = d.endpoint_id`,
          fence,
        );
        this.logger.warn(`Webhook endpoint #${delivery.endpointId} answered 410 Gone: disabled`);
        return;
      case 'failed': {
        const giveUp = delivery.attempts >= this.options.maxAttempts;
        const delay = retryDelayWithJitterMs(delivery.attempts, this.options.retryBaseMs, this.options.retryMaxMs);
        await this.sql.query(
          `UPDATE webhook_deliveries
              SET status = CASE WHEN $5 THEN 'failed' ELSE 'pending' END,
                  next_attempt_at = CASE WHEN $5 THEN next_attempt_at ELSE now() + $6 * interval '1 millisecond' END,
                  last_status_code = $3, last_error = $4, updated_at = now()
            WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
          [...fence, outcome.status, outcome.error.slice(0, 500), giveUp, delay],
        );
        return;
      }
    }
  }
}
