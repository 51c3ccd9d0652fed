import { HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { Catch } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { CommonErrorCode } from './error-codes.js';
import { requestIdOf } from './request-context.js';
import { IdempotentReplay } from '../idempotency/idempotency.guard.js';

interface Mapped {
  status: number;
  body: { error: string; code: string; [key: string]: unknown };
}

const DB_UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  // what PgBouncer answers when it cannot serve a query: the server is down or refusing logins
  // ("server login has been failing"), no server connection came free in time, ...
  '08P01',
  '53300',
  '57014',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
const NETWORK_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'connect ECONNREFUSED',
  'Client has encountered a connection error',
];

/** body-parser's errors carry a `type`; their messages (which quote the input) never reach a client. */
function mapBodyParserError(error: { type?: string }): Mapped | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return {
        status: 400,
        body: { error: 'The request body is not valid JSON', code: CommonErrorCode.MALFORMED_JSON },
      };
    case 'entity.too.large':
      return { status: 413, body: { error: 'The request body is too large', code: CommonErrorCode.PAYLOAD_TOO_LARGE } };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        status: 415,
        body: { error: 'Unsupported body encoding or charset', code: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE },
      };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return {
        status: 400,
        body: { error: 'The request body could not be read', code: CommonErrorCode.MALFORMED_JSON },
      };
    default:
      return undefined;
  }
}

/** Maps PostgreSQL and driver errors; undefined when it is not one. */
export function mapDatabaseError(error: unknown): Mapped | undefined {
  const driverError =
    error instanceof QueryFailedError ? (error.driverError as { code?: string }) : (error as { code?: unknown });
  const code = typeof driverError?.code === 'string' ? driverError.code : undefined;
  const message = error instanceof Error ? error.message : '';
  switch (code) {
    case '23505':
      return {
        status: 409,
        body: { error: 'A conflicting record already exists', code: CommonErrorCode.UNIQUE_VIOLATION },
      };
    case '23503':
      return {
        status: 404,
        body: { error: 'A referenced record does not exist', code: CommonErrorCode.REFERENCE_NOT_FOUND },
      };
    case '22003':
    case '22P02':
    case '22001':
    case '22021':
    case '22P05':
      return {
        status: 400,
        body: { error: 'A value is out of range or malformed', code: CommonErrorCode.VALIDATION_FAILED },
      };
    case '40001':
    case '40P01':
      return {
        status: 503,
        body: { error: 'The request conflicted with another; retry it', code: CommonErrorCode.DATABASE_UNAVAILABLE },
      };
    default:
      break;
  }
  if (
    (code !== undefined && (DB_UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code))) ||
    NETWORK_MESSAGES.some((m) => message.includes(m)) ||
    // TypeORM releases a transaction's connection when it breaks (57P01, reset), and the next
    // statement of the transaction (its COMMIT) throws these: the work was rolled back with
    // the connection, as with any lost connection (found by the reliability suite).
    error instanceof QueryRunnerAlreadyReleasedError ||
    error instanceof QueryRunnerProviderAlreadyReleasedError
  ) {
    return {
      status: 503,
      body: { error: 'The database is unavailable; retry later', code: CommonErrorCode.DATABASE_UNAVAILABLE },
    };
  }
  return undefined;
}

function mapHttpException(exception: HttpException): Mapped {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null) {
    const r = response as Record<string, unknown>;
    if (typeof r.error === 'string' && typeof r.code === 'string') {
      const { statusCode: _statusCode, message: _message, ...rest } = r;
      return { status, body: rest as Mapped['body'] };
    }
    const message = Array.isArray(r.message) ? r.message.join('; ') : r.message;
    return {
      status,
      body: {
        error: typeof message === 'string' ? message : exception.message,
        code: defaultCode(status),
      },
    };
  }
  return {
    status,
    body: { error: typeof response === 'string' ? response : exception.message, code: defaultCode(status) },
  };
}

function defaultCode(status: number): string {
  switch (status) {
    case 404:
      return CommonErrorCode.NOT_FOUND;
    case 409:
      return CommonErrorCode.CONFLICT;
    case 413:
      return CommonErrorCode.PAYLOAD_TOO_LARGE;
    case 415:
      return CommonErrorCode.UNSUPPORTED_MEDIA_TYPE;
    case 429:
      return CommonErrorCode.TOO_MANY_REQUESTS;
    default:
      return status >= 500 ? CommonErrorCode.INTERNAL : CommonErrorCode.HTTP_ERROR;
  }
}

/**
 * The one error contract: `{ error, code, details?, requestId }` for every failure.
 * A 500 says only "Internal server error" and the request id; the cause goes to the log.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.respond(exception, ctx.getRequest<Request>(), ctx.getResponse<Response>());
  }

  /** Also the Express error handler for the body middlewares, which run before Nest's routing. */
  respond(exception: unknown, req: Request, res: Response): void {
    if (exception instanceof IdempotentReplay) {
      exception.send(res);
      return;
    }
    const requestId = requestIdOf(req);

    const mapped =
      (exception instanceof HttpException ? mapHttpException(exception) : undefined) ??
      mapBodyParserError(exception as { type?: string }) ??
      mapDatabaseError(exception);

    if (!mapped) {
      this.logger.error({ err: exception, requestId }, 'Unhandled error');
    } else if (mapped.status >= 500 && !(exception instanceof HttpException)) {
      // a database or driver failure mapped to 503: worth a line, not a stack
      const code =
        (exception as { code?: unknown }).code ?? (exception as { driverError?: { code?: unknown } }).driverError?.code;
      this.logger.warn(
        { requestId, status: mapped.status, code, reason: (exception as Error).message },
        mapped.body.error,
      );
    }
    const { status, body } = mapped ?? {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { error: 'Internal server error', code: CommonErrorCode.INTERNAL },
    };
    if (res.headersSent) {
      res.end();
      return;
    }
    if (typeof body.retryAfterSeconds === 'number') {
      // 429s (rate limits, resend limits) say when to come back, in the body and the header
      res.setHeader('Retry-After', String(body.retryAfterSeconds));
    }
    res.status(status).json({ ...body, requestId });
  }
}
