import {
  HttpException,
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { RATE_LIMIT_STORE } from './rate-limit.constants.js';
import type { RateLimitStore } from './rate-limit.store.js';

/** Refusals that consume nothing of a budget. */
const REFUSED = new Set([401, 403, 429]);

/**
 * Gives back what a rate-limited request took from its budgets when the request is refused
 * after all (401, 403, 429), before the refusal is answered: the next request sees the
 * budget whole again.
 */
@Injectable()
export class BudgetRefundInterceptor implements NestInterceptor {
  constructor(@Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        const reservations = req.budgetReservations ?? [];
        if (!(error instanceof HttpException) || !REFUSED.has(error.getStatus()) || reservations.length === 0) {
          return throwError(() => error);
        }
        req.budgetReservations = [];
        return from(Promise.all(reservations.map((r) => this.store.refund(r.key, r.cost)))).pipe(
          mergeMap(() => throwError(() => error)),
        );
      }),
    );
  }
}
