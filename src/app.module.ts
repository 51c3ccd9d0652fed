import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { loggerParams } from './common/logger.js';
import type { AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { InvitationsModule } from './invitations/invitations.module.js';
import { MembershipsModule } from './memberships/memberships.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';
import { RolesModule } from './roles/roles.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { RegistrationsModule } from './registrations/registrations.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // Nest's logger over pino. Its per-request middleware is not mounted (no routes): it
        // binds each request's logger to an AsyncLocalStorage, whose promise hooks cost every
        // request ~10 % of its CPU on Node 20 (docs/decisions/0013-no-request-async-context.md).
        // configureApp() mounts pino-http's line per request on the same logger.
        LoggerModule.forRoot({ ...loggerParams(config), forRoutes: [] }),
        DatabaseModule.forRoot(config),
        HealthModule,
        MetricsModule,
        AuthModule,
        AuditModule,
        IdempotencyModule,
        RateLimitModule,
        MembershipsModule,
        InvitationsModule,
        RegistrationsModule,
        EventsModule,
        WebhooksModule,
        OrganizationsModule,
        RolesModule,
      ],
    };
  }
}
