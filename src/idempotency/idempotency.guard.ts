import { createHash } from 'node:crypto';
import {
  ConflictException,
  Injectable,
  Logger,
  UnprocessableEntityException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorBody } from '../common/error-body.js';
import { invalidParameter } from '../common/invalid-parameter.js';
import { withoutShownOnce } from '../common/shown-once.js';
import { IdempotencyService } from './idempotency.service.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
/** 1 to 255 visible ASCII characters (the OpenAPI document states this pattern). */
export const IDEMPOTENCY_KEY_PATTERN_SOURCE = '^[\\x21-\\x7e]{1,255}$';
const KEY_PATTERN = new RegExp(IDEMPOTENCY_KEY_PATTERN_SOURCE);
const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Response headers a replay must carry again. */
const KEPT_HEADERS = ['etag', 'location'];

export enum IdempotencyErrorCode {
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_USE = 'IDEMPOTENCY_KEY_IN_USE',
}

/**
 * The stored answer to a key already completed: thrown by the guard so that the handler does
 * not run, and written by AllExceptionsFilter as it was first sent, with `Idempotent-Replayed`.
 */
export class IdempotentReplay extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    super('Idempotent replay');
  }

  send(res: Response): void {
    for (const [name, value] of Object.entries(this.headers)) {
      res.setHeader(name, value);
    }
    res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    res.status(this.status).json(this.body);
  }
}

/**
 * `Idempotency-Key` on POST/PUT/PATCH/DELETE: the same key and request within 24 h replays
 * the stored 2xx response with `Idempotent-Replayed: true`; the same key with another
 * request → 422; while the first is still running → 409. A failed request releases its key.
 *
 * A global guard after AuthGuard (it keys on the caller), not an interceptor: one global
 * interceptor puts Nest's rxjs chain on every request of every route, ~6 % of the CPU of an
 * invite, which almost never carries a key. The answer is stored, or the key
 * released, when the response body is handed to `res.json()`, before it is sent.
 */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly store: IdempotencyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const key = req.headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined || !METHODS.has(req.method) || !req.auth) {
      return true;
    }
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw invalidParameter('header', 'Idempotency-Key', 'must be 1 to 255 visible ASCII characters');
    }
    const userId = req.auth.userId;
    // the raw body as parsed (a guard runs before the validation pipe), as the interceptor saw it
    const hash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');
    const outcome = await this.store.begin(userId, key, hash);
    switch (outcome.kind) {
      case 'replay':
        throw new IdempotentReplay(outcome.status, outcome.body, outcome.headers);
      case 'mismatch':
        throw new UnprocessableEntityException(
          errorBody('This Idempotency-Key was used with another request', IdempotencyErrorCode.IDEMPOTENCY_KEY_REUSED),
        );
      case 'in_progress':
        throw new ConflictException(
          errorBody(
            'A request with this Idempotency-Key is still running',
            IdempotencyErrorCode.IDEMPOTENCY_KEY_IN_USE,
          ),
        );
      case 'new':
        this.settleOnAnswer(http.getResponse<Response>(), userId, key);
        return true;
    }
  }

  /**
   * The answer, whatever gives it (the handler, or the exception filter after any later
   * guard, pipe or handler failed), goes through `res.json()`: a 2xx is stored before it is
   * sent, anything else releases the key. A failure to store releases the key too (the
   * client's retry runs again, as it would after a 503) and the answer is still sent.
   */
  private settleOnAnswer(res: Response, userId: number, key: string): void {
    const json = res.json.bind(res);
    // named in each line: no request context is bound to the logger
    const requestId = (res.req as { id?: unknown }).id;
    let settled = false;
    const release = () => this.store.release(userId, key).catch(() => undefined);
    res.json = (body: unknown) => {
      res.json = json;
      settled = true;
      const status = res.statusCode;
      const settle =
        status >= 200 && status < 300
          ? this.store
              .complete(userId, key, status, withoutShownOnce(body), keptHeaders(res))
              .catch((error: unknown) => {
                this.logger.warn(
                  { err: error, requestId },
                  `Could not store the answer of an Idempotency-Key: released`,
                );
                return release();
              })
          : release();
      settle
        .then(() => json(body))
        .catch((error: unknown) => {
          this.logger.error({ err: error, requestId }, 'Could not send an answer');
          res.destroy();
        });
      return res;
    };
    // an answer sent without res.json() (no body): nothing to replay
    res.once('finish', () => {
      if (!settled) {
        settled = true;
        void release();
      }
    });
  }
}

function keptHeaders(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = res.getHeader(name);
    if (typeof value === 'string') {
      headers[name] = value;
    }
  }
  return headers;
}
