import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/config.js';
import { requestIdFor } from './request-context.js';

/** JSON logs (pino) carrying the request id; credentials are redacted at the logger. */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.log.level,
      genReqId: (req) =>
        typeof (req as { id?: unknown }).id === 'string' ? (req as { id: string }).id : requestIdFor(req),
      customAttributeKeys: { reqId: 'requestId' },
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
          url: req.url,
          headers: req.headers,
        }),
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/health/ready' },
      quietReqLogger: true,
    },
  };
}
