import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';
import type { AppConfig } from '../config/config.js';

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

export interface OutgoingMail {
  /** The outbox row id, for file names and logs. */
  id: number;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface DeliveryResult {
  /** Where the mail went: the SMTP server's answer, or the .eml file's path. */
  location: string;
}

/** Sends one mail; throws on failure (see {@link isPermanentFailure}). */
export interface MailTransport {
  /** For the start-up log line. */
  readonly description: string;
  send(mail: OutgoingMail): Promise<DeliveryResult>;
  close(): void;
}

/** nodemailer, loaded when the first transport needs it rather than at start. */
const nodemailer = (): typeof import('nodemailer') =>
  createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer');

/** nodemailer over SMTP_URL, with a small connection pool and bounded timeouts. */
export class SmtpMailTransport implements MailTransport {
  readonly description: string;
  private readonly transporter: Transporter;

  constructor(url: string, from: string, timeoutMs: number) {
    const parsed = new URL(url);
    // Never log the credentials a URL may carry.
    this.description = `SMTP ${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}`;
    this.transporter = nodemailer().createTransport(
      {
        url,
        pool: true,
        maxConnections: 2,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      },
      { from },
    );
  }

  async send(mail: OutgoingMail): Promise<DeliveryResult> {
    const info = await this.transporter.sendMail({
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
    return { location: typeof info.response === 'string' ? info.response.slice(0, 200) : 'SMTP' };
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * Without SMTP_URL (development), or with MAIL_TRANSPORT=file: each mail becomes an .eml file
 * under MAIL_DIR, readable by its owner only (it holds the accept link).
 */
export class FileMailTransport implements MailTransport {
  readonly description: string;
  private readonly dir: string;
  private readonly from: string;
  private composerInstance?: Transporter;

  constructor(dir: string, from: string) {
    this.dir = resolve(dir);
    this.description = `.eml files under ${this.dir}`;
    this.from = from;
  }

  private get composer(): Transporter {
    this.composerInstance ??= nodemailer().createTransport(
      { streamTransport: true, buffer: true, newline: 'unix' },
      { from: this.from },
    );
    return this.composerInstance;
  }

  async send(mail: OutgoingMail): Promise<DeliveryResult> {
    const info = await this.composer.sendMail({
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
    await mkdir(this.dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = resolve(this.dir, `${stamp}-mail-${mail.id}.eml`);
    await writeFile(path, info.message as Buffer, { mode: 0o600 });
    return { location: path };
  }

  close(): void {
    this.composerInstance?.close();
  }
}

export function createMailTransport(config: AppConfig): MailTransport {
  const { mail } = config;
  return mail.transport === 'smtp' && mail.smtpUrl
    ? new SmtpMailTransport(mail.smtpUrl, mail.from, config.mailWorker.sendTimeoutMs)
    : new FileMailTransport(mail.dir, mail.from);
}

/**
 * A rejection that retrying will not cure: the SMTP server answered 5xx about the message or
 * its recipient. Authentication failures (also 5xx) are the operator's to fix, so they retry.
 */
export function isPermanentFailure(error: unknown): boolean {
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && code !== 'EAUTH';
}

/** What the outbox keeps of an error: short, one line. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim().slice(0, 500) || 'Unknown error';
}
