import { createHash } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  HttpStatus,
  Injectable,
  UnprocessableEntityException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, of, type Observable } from 'rxjs';
import { errorBody } from '../common/error-body.js';
import { IdempotencyService } from './idempotency.service.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Response headers a replay must carry again. */
const KEPT_HEADERS = ['etag', 'location'];

export enum IdempotencyErrorCode {
  INVALID_IDEMPOTENCY_KEY = 'INVALID_IDEMPOTENCY_KEY',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_USE = 'IDEMPOTENCY_KEY_IN_USE',
}

/**
 * `Idempotency-Key` on POST/PUT/PATCH/DELETE: the same key and request within 24 h replays
 * the stored 2xx response with `Idempotent-Replayed: true`; the same key with another
 * request → 422; while the first is still running → 409. A failed request releases its key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = req.headers[IDEMPOTENCY_KEY_HEADER];
    if (!METHODS.has(req.method) || key === undefined || !req.auth) {
      return next.handle();
    }
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new BadRequestException(
        errorBody(
          'Idempotency-Key must be 1 to 255 visible ASCII characters',
          IdempotencyErrorCode.INVALID_IDEMPOTENCY_KEY,
        ),
      );
    }
    const userId = req.auth.userId;
    const hash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (req.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);

    return from(this.store.begin(userId, key, hash)).pipe(
      mergeMap((outcome) => {
        switch (outcome.kind) {
          case 'replay':
            for (const [name, value] of Object.entries(outcome.headers)) {
              res.setHeader(name, value);
            }
            res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
            return of(outcome.body);
          case 'mismatch':
            throw new UnprocessableEntityException(
              errorBody(
                'This Idempotency-Key was used with another request',
                IdempotencyErrorCode.IDEMPOTENCY_KEY_REUSED,
              ),
            );
          case 'in_progress':
            throw new ConflictException(
              errorBody(
                'A request with this Idempotency-Key is still running',
                IdempotencyErrorCode.IDEMPOTENCY_KEY_IN_USE,
              ),
            );
          case 'new':
            return next.handle().pipe(
              mergeMap(async (body: unknown) => {
                const headers: Record<string, string> = {};
                for (const name of KEPT_HEADERS) {
                  const value = res.getHeader(name);
                  if (typeof value === 'string') {
                    headers[name] = value;
                  }
                }
                await this.store.complete(userId, key, status, body, headers);
                return body;
              }),
              catchError(async (error: unknown) => {
                await this.store.release(userId, key).catch(() => undefined);
                throw error;
              }),
            );
        }
      }),
    );
  }
}
