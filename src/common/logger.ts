import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/config.js';
import { requestIdFor } from './request-context.js';

/** An invitation link's token is a credential: request lines keep the URL without its value. */
export const withoutToken = (url: string): string => url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');

/**
 * JSON logs (pino, through nestjs-pino and pino-http) carrying the request id; credentials are
 * redacted at the logger, so no token reaches a log line.
 *
 * In production a successful request's line is at `debug`: at the default LOG_LEVEL=info a
 * success writes no line, while 4xx (`warn`) and 5xx (`error`) still get one. LOG_LEVEL=debug
 * brings them back; `http_request_duration_seconds` counts every request by route and status
 * either way.
 */
export function loggerParams(config: AppConfig): Params {
  const successLevel = config.production ? 'debug' : 'info';
  return {
    pinoHttp: {
      level: config.log.level,
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : successLevel,
      genReqId: (req) =>
        typeof (req as { id?: unknown }).id === 'string' ? (req as { id: string }).id : requestIdFor(req),
      customAttributeKeys: { reqId: 'requestId' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-session-token"]',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          // A failed statement's values (sealed tokens, token hashes, emails) and PostgreSQL's
          // "Failing row contains (...)": the message, code, constraint and query stay.
          'err.parameters',
          'err.detail',
          'err.driverError.detail',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id?: string; method?: string; url?: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: req.url && withoutToken(req.url),
          headers: req.headers,
        }),
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/health/ready' },
      quietReqLogger: true,
      // stdout unless a test reads the lines (pino-http passes `stream` to pino)
      ...(config.log.destination ? { stream: config.log.destination } : {}),
    },
  };
}
