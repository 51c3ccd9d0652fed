import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/config.js';
import { requestIdFor } from './request-context.js';

const UNSERIALIZED_REQUEST = 'unserializedRequest';

/** An invitation link's token is a credential: request lines keep the URL without its value. */
export const withoutToken = (url: string): string => url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');

/**
 * JSON logs (pino) carrying the request id; credentials are redacted at the logger.
 *
 * In production a successful request's line is at `debug`: at the default LOG_LEVEL=info the
 * hot paths write no line per request (it cost ~15 % of the service's CPU per invite, issue
 * #7), while 4xx (`warn`) and 5xx (`error`) still get one. LOG_LEVEL=debug brings them back;
 * `http_request_duration_seconds` counts every request by route and status either way.
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
      // pino-http binds the request to a child logger made for every request, which serializes
      // it (headers, redaction) at once, whether or not a line is ever written. Bound under a
      // key that serializes to nothing, and added to the request's line when one is written
      // (same `req` field, same redaction): ~4 % of the CPU of an invite (issue #7).
      customAttributeKeys: { reqId: 'requestId', req: UNSERIALIZED_REQUEST },
      customSuccessObject: (req, _res, fields: object) => ({ req, ...fields }),
      customErrorObject: (req, _res, _error, fields: object) => ({ req, ...fields }),
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-session-token"]',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
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
        [UNSERIALIZED_REQUEST]: () => undefined,
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/health/ready' },
      quietReqLogger: true,
    },
  };
}
