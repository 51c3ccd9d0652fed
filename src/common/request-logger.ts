import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type Options } from 'pino-http';

type Res = ServerResponse & { err?: Error };
type Handler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/**
 * pino-http's request line, written only when its level is enabled.
 *
 * pino-http prepares every request for a line it may write: two child loggers, their
 * bindings serialized, two arrays, three listeners; in production a success is at `debug`,
 * so at LOG_LEVEL=info nearly all of that is thrown away (~5 % of the CPU of an invite,
 * issue #7). Here a request costs a start time and its listeners; when it completes, the
 * level is chosen as pino-http chooses it, and only if the logger writes that level are
 * pino-http's loggers made and the line written the way pino-http writes it: same logger
 * (pino-http's own, with its serializers and redaction), same bindings, object and message
 * (request-logger.spec.ts compares the two line for line).
 *
 * Supports the options `loggerParams()` uses: `customLogLevel`, `genReqId`,
 * `customAttributeKeys.reqId`/`.req`, `customSuccessObject`, `customErrorObject`,
 * `autoLogging.ignore` and `quietReqLogger`; `logger` is the root logger to derive from.
 */
export function leanRequestLogger(options: Options, root: () => Logger | undefined): Handler {
  const { customLogLevel, genReqId, customSuccessObject, customErrorObject, customAttributeKeys } = options;
  const autoLogging = options.autoLogging;
  const ignore = typeof autoLogging === 'object' ? autoLogging.ignore : undefined;
  const requestIdKey = customAttributeKeys?.reqId ?? 'reqId';
  const reqKey = customAttributeKeys?.req ?? 'req';
  if (
    customLogLevel === undefined ||
    options.quietReqLogger !== true ||
    options.customProps !== undefined ||
    options.customSuccessMessage !== undefined ||
    options.customErrorMessage !== undefined ||
    options.customReceivedMessage !== undefined ||
    options.customReceivedObject !== undefined ||
    autoLogging === false
  ) {
    throw new Error('leanRequestLogger: options it does not reproduce');
  }
  let base: Logger | undefined;

  return (req: IncomingMessage, res: Res, next) => {
    base ??= (pinoHttp({ ...options, logger: root() }) as unknown as { logger: Logger }).logger;
    const logger = base;
    if (!req.id && genReqId) {
      req.id = genReqId(req, res);
    }
    const start = Date.now();
    let done = false;
    const complete = (err?: Error) => {
      if (done) {
        return;
      }
      done = true;
      const responseTime = Date.now() - start;
      const level = customLogLevel(req, res, err);
      if (level === 'silent' || !logger.isLevelEnabled(level)) {
        return;
      }
      const log = logger.child({ [requestIdKey]: req.id }).child({ [reqKey]: req });
      if (err || res.err || res.statusCode >= 500) {
        const error = err || res.err || new Error(`failed with status code ${res.statusCode}`);
        const fields = { res, err: error, responseTime };
        log[level](customErrorObject ? customErrorObject(req, res, error, fields) : fields, 'request errored');
        return;
      }
      const fields = { res, responseTime };
      log[level](
        customSuccessObject ? customSuccessObject(req, res, fields) : fields,
        !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted',
      );
    };
    if (ignore === undefined || !ignore(req)) {
      res.on('close', complete);
      res.on('finish', complete);
    }
    res.on('error', complete);
    next?.();
  };
}
