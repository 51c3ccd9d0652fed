import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export type InvitationEvent = 'created' | 'accepted' | 'declined' | 'revoked' | 'expired' | 'resent';
export type EmailResult = 'sent' | 'failed' | 'retried';

/** Prometheus metrics: one registry per app instance, so tests do not share counters. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly invitations = new Counter({
    name: 'invitations_total',
    help: 'Invitation lifecycle events',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly emails = new Counter({
    name: 'emails_total',
    help: 'Outbox email delivery attempts by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly registrations = new Counter({
    name: 'registrations_total',
    help: 'Memberships created by backoffice registration',
    registers: [this.registry],
  });

  constructor(dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    const pool = () => (dataSource.driver as unknown as { master?: PgPool }).master;
    const gauge = (name: string, help: string, read: (p: PgPool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    gauge('db_pool_connections_total', 'Connections open in the database pool', (p) => p.totalCount);
    gauge('db_pool_connections_idle', 'Idle connections in the database pool', (p) => p.idleCount);
    gauge('db_pool_requests_waiting', 'Queries waiting for a pooled connection', (p) => p.waitingCount);
  }

  invitation(event: InvitationEvent, count = 1): void {
    this.invitations.inc({ event }, count);
  }

  email(result: EmailResult): void {
    this.emails.inc({ result });
  }
}
