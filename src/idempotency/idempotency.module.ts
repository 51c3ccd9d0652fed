import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IdempotencyGuard } from './idempotency.guard.js';
import { IdempotencyService } from './idempotency.service.js';

/** Global guards run in the order their modules are imported: AppModule imports this one after AuthModule. */
@Module({ providers: [IdempotencyService, { provide: APP_GUARD, useClass: IdempotencyGuard }] })
export class IdempotencyModule {}
