import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { finalize, type Observable } from 'rxjs';
import { WebhookDeliveryWorker } from './webhook-delivery.worker.js';

/**
 * Wakes the delivery worker after every request that may have changed something, once its
 * handler is done (its transaction committed): deliveries then leave within milliseconds
 * rather than at the next poll. Without an enabled endpoint it does nothing (no query on
 * the write path); it never affects the response.
 */
@Injectable()
export class WebhookKickInterceptor implements NestInterceptor {
  constructor(private readonly worker: WebhookDeliveryWorker) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const method = context.getType() === 'http' ? context.switchToHttp().getRequest<Request>().method : 'GET';
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
      return next.handle();
    }
    return next.handle().pipe(finalize(() => this.worker.wake()));
  }
}
