import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config.js';
import { CoalescedRounds } from '../common/coalesced-rounds.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  acceptUrlFor,
  INVITATION_MAIL_KINDS,
  renderInvitationEmail,
  type InvitationMailPayload,
  type RenderedMail,
} from './invitation-email.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MailSecretBox } from './mail-secret-box.js';
import {
  describeFailure,
  isPermanentFailure,
  MAIL_TRANSPORT,
  type MailTransport,
  type OutgoingMail,
} from './mail-transport.js';

/** A mail this worker has leased: nobody else will send it until the lease runs out. */
export interface ClaimedMail {
  id: number;
  /** mail_outbox.public_id: what the sealed secret is bound to, with the recipient. */
  publicId: string;
  kind: string;
  recipient: string;
  subject: string;
  bodyText: string | null;
  bodyHtml: string | null;
  payload: Record<string, unknown> | null;
  secret: string | null;
  /** Including this attempt; also the lease's fencing token. */
  attempts: number;
}

/** Retry delay after the given number of attempts: base, 2×base, 4×base... capped. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
}

class UnrenderableMail extends Error {}

/**
 * Delivers the mail outbox. Mails are written in the same transaction as the change that
 * causes them; this worker claims due ones with one short statement (`FOR UPDATE SKIP
 * LOCKED`, so several instances share the work without sending a mail twice), leases them by
 * pushing `next_attempt_at` forward, sends them outside any transaction, then records `sent`,
 * a retry with exponential backoff, or `failed` with the reason. It polls every
 * MAIL_POLL_INTERVAL_MS and is woken right after a commit (`kick()`) for low latency.
 */
@Injectable()
export class MailOutboxWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('MailOutbox');
  private readonly options: AppConfig['mailWorker'];
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private readonly rounds = new CoalescedRounds(
    () => this.drain(),
    (error: unknown) => this.logger.warn(`Mail round failed: ${describeFailure(error)}`),
    () => this.stopped,
  );

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly secrets: MailSecretBox,
    private readonly metrics: MetricsService,
  ) {
    this.options = config.mailWorker;
  }

  onApplicationBootstrap(): void {
    if (this.config.mail.transport === 'file') {
      this.logger.warn(
        `${this.config.mail.smtpUrl ? 'MAIL_TRANSPORT=file' : 'SMTP_URL is not set'}: emails are written as ` +
          this.transport.description,
      );
    }
    if (!this.options.enabled) {
      this.logger.log('MAIL_WORKER_ENABLED=false: this instance writes mails but does not send them');
      return;
    }
    this.logger.log(
      `Mail worker started: ${this.transport.description}, polling every ${this.options.pollIntervalMs} ms`,
    );
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops polling and waits for the mails in hand, so none is left half-recorded. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.rounds.idle();
    this.transport.close();
  }

  /** Delivers due mails now (coalesced: a kick during a round schedules one more round). */
  kick(): void {
    this.rounds.kick();
  }

  /** Resolves once the current round (if any) and the rounds it scheduled are done. */
  idle(): Promise<void> {
    return this.rounds.idle();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const leasedAt = Date.now();
      const batch = await this.claim(this.options.batchSize);
      for (const [index, mail] of batch.entries()) {
        // A send may take up to three timeouts (connect, greeting, data). Mails this worker
        // can no longer send within their lease, or that it holds at shutdown, go back to
        // the queue at once rather than being sent twice or waiting for the lease to end.
        const leaseLeft = leasedAt + this.options.leaseMs - Date.now();
        if (this.stopped || leaseLeft < 3 * this.options.sendTimeoutMs) {
          await this.release(batch.slice(index));
          return;
        }
        await this.deliver(mail);
      }
      if (batch.length < this.options.batchSize) {
        return;
      }
    }
  }

  /** Gives leased mails back unsent: due now, and the attempt not counted. */
  private async release(mails: ClaimedMail[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE mail_outbox m
          SET attempts = m.attempts - 1, next_attempt_at = now(), updated_at = now()
         FROM unnest($1::bigint[], $2::int[]) AS r(id, attempts)
        WHERE m.id = r.id AND m.attempts = r.attempts AND m.status = 'pending'`,
      [mails.map((m) => m.id), mails.map((m) => m.attempts)],
    );
  }

  /**
   * Leases up to `limit` due mails in one statement (its own short transaction): attempts+1,
   * next_attempt_at pushed forward by the lease. A worker that dies mid-send leaves the mail
   * to be claimed again once the lease runs out.
   */
  async claim(limit: number): Promise<ClaimedMail[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM mail_outbox
          WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       ), leased AS (
         UPDATE mail_outbox m
            SET attempts = m.attempts + 1,
                next_attempt_at = now() + $2 * interval '1 millisecond',
                updated_at = now()
           FROM due
          WHERE m.id = due.id
         RETURNING m.id, m.public_id, m.kind, m.recipient, m.subject, m.body_text, m.body_html, m.payload, m.secret, m.attempts
       )
       SELECT * FROM leased ORDER BY id`,
      [limit, this.options.leaseMs],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      publicId: r.public_id as string,
      kind: r.kind as string,
      recipient: r.recipient as string,
      subject: r.subject as string,
      bodyText: r.body_text as string | null,
      bodyHtml: r.body_html as string | null,
      payload: r.payload as Record<string, unknown> | null,
      secret: r.secret as string | null,
      attempts: Number(r.attempts),
    }));
  }

  private async deliver(mail: ClaimedMail): Promise<void> {
    let outgoing: OutgoingMail;
    try {
      outgoing = { id: mail.id, to: mail.recipient, subject: mail.subject, ...this.render(mail) };
    } catch (error) {
      await this.fail(mail, describeFailure(error));
      return;
    }
    try {
      const result = await this.transport.send(outgoing);
      await this.dataSource.query(
        // A mail cancelled while it was in flight still went out: record what happened.
        `UPDATE mail_outbox
            SET status = 'sent', sent_at = now(), secret = NULL, last_error = NULL, updated_at = now()
          WHERE id = $1 AND attempts = $2 AND status IN ('pending', 'cancelled')`,
        [mail.id, mail.attempts],
      );
      this.metrics.email('sent');
      this.logger.log(`Mail #${mail.id} (${mail.kind}) delivered: ${result.location}`);
    } catch (error) {
      const reason = describeFailure(error);
      if (isPermanentFailure(error) || mail.attempts >= this.options.maxAttempts) {
        await this.fail(mail, reason);
        return;
      }
      const delay = retryDelayMs(mail.attempts, this.options.retryBaseMs, this.options.retryMaxMs);
      await this.dataSource.query(
        `UPDATE mail_outbox
            SET next_attempt_at = now() + $3 * interval '1 millisecond', last_error = $4, updated_at = now()
          WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
        [mail.id, mail.attempts, delay, reason],
      );
      this.metrics.email('retried');
      this.logger.warn(
        `Mail #${mail.id} (${mail.kind}) attempt ${mail.attempts} failed, retrying in ${delay} ms: ${reason}`,
      );
    }
  }

  private async fail(mail: ClaimedMail, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE mail_outbox
          SET status = 'failed', secret = NULL, last_error = $3, updated_at = now()
        WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [mail.id, mail.attempts, reason],
    );
    this.metrics.email('failed');
    this.logger.error(`Mail #${mail.id} (${mail.kind}) failed after ${mail.attempts} attempt(s): ${reason}`);
  }

  private render(mail: ClaimedMail): RenderedMail {
    if (INVITATION_MAIL_KINDS.includes(mail.kind)) {
      const token =
        mail.secret === null
          ? undefined
          : this.secrets.open(mail.secret, { outboxId: mail.publicId, recipient: mail.recipient });
      if (token === undefined) {
        throw new UnrenderableMail(
          'The invitation token cannot be decrypted (sealed with a key that is neither MAIL_SECRET_KEY nor in ' +
            'MAIL_SECRET_KEY_PREVIOUS, by an earlier version, or for another row or recipient); resend the invitation',
        );
      }
      return renderInvitationEmail(
        mail.payload as unknown as InvitationMailPayload,
        acceptUrlFor(this.config.invitations.acceptUrl, token),
      );
    }
    if (mail.bodyText !== null) {
      return { text: mail.bodyText, html: mail.bodyHtml ?? undefined };
    }
    throw new UnrenderableMail(`Unknown mail kind ${mail.kind}`);
  }
}
