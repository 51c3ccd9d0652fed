import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { RequestMethod, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger, PinoLogger } from 'nestjs-pino';
import { pinoHttp } from 'pino-http';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { jsonBodyMiddlewares } from './common/json-body.js';
import { loggerParams } from './common/logger.js';
import { answerMethodNotAllowed } from './common/method-not-allowed.js';
import { BULK_INVITE_BODY } from './invitations/dto/bulk-invite.dto.js';
import { setupOpenApi } from './common/openapi.js';
import { REQUEST_ID_HEADER, requestIdFor } from './common/request-context.js';
import { createValidationPipe } from './common/validation.js';
import { ShutdownState } from './health/shutdown-state.js';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware.js';
import { MetricsService } from './metrics/metrics.service.js';
import { WebhookDeliveryWorker } from './webhooks/webhook-delivery.worker.js';
import { webhookWakeMiddleware } from './webhooks/webhook-wake.middleware.js';
import type { AppConfig } from './config/config.js';

/**
 * Everything the app needs around its routes. `main.ts` and the e2e tests both call it,
 * so the tests exercise the real app.
 */
export function configureApp(app: INestApplication, config: AppConfig): INestApplication {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.disable('x-powered-by');
  express.set('trust proxy', config.http.trustProxy);
  express.set('query parser', 'simple');

  const filter = new AllExceptionsFilter();
  // The request id first, so even a body rejected before routing carries one.
  express.use((req: Request, res: Response, next: NextFunction) => {
    const id = requestIdFor(req);
    (req as Request & { id: string }).id = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    next();
  });
  // the line per request (pino-http), from the application's pino logger; any request, even
  // one refused before routing
  express.use(pinoHttp({ ...loggerParams(config).pinoHttp, logger: PinoLogger.root }));
  express.use(httpMetricsMiddleware(app.get(MetricsService)));
  express.use(webhookWakeMiddleware(app.get(WebhookDeliveryWorker)));
  express.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Swagger UI's own inline styles and its validator badge image
          'img-src': ["'self'", 'data:'],
          'style-src': ["'self'", "'unsafe-inline'"],
        },
      },
    }),
  );
  express.use(...jsonBodyMiddlewares([BULK_INVITE_BODY]));
  express.use((error: unknown, req: Request, res: Response, _next: NextFunction) => filter.respond(error, req, res));

  if (config.http.prefix) {
    app.setGlobalPrefix(config.http.prefix, {
      exclude: [
        { path: 'health/live', method: RequestMethod.GET },
        { path: 'health/ready', method: RequestMethod.GET },
        { path: 'metrics', method: RequestMethod.GET },
        // the invitation email's page, where INVITATION_ACCEPT_URL points by default
        { path: 'invitations/accept', method: RequestMethod.GET },
      ],
    });
  }
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(filter);
  answerMethodNotAllowed(app, filter);
  setupOpenApi(app, config);
  return app;
}

/**
 * From the start of a shutdown, every response whose headers are not yet written says
 * `Connection: close`, so each keep-alive connection ends after its next response, and the
 * client knows it before reusing the connection.
 *
 * Without it, keep-alive clients (a load balancer's) went on sending on their open connections
 * after the server stopped accepting new ones, so the drain never ended: the process waited out
 * SHUTDOWN_GRACE_MS, exited 1 and cut the requests in flight (found by the reliability suite).
 * Setting it only on requests that arrive after the signal was not enough: a request
 * already running at the signal (waiting on a lock, say) was answered keep-alive after the
 * listener had closed; its client reused the connection at once, just as the server closed it
 * as idle, and that next request was reset without the server ever reading it. So the requests
 * in flight are tracked (one Set entry each, dropped when the response closes) to be marked too.
 */
export class ConnectionCloser {
  private readonly inFlight = new Set<ServerResponse>();
  private closing = false;

  constructor(server: HttpServer) {
    const inFlight = this.inFlight;
    // one listener function for every response (no closure per request); 'close' comes once,
    // after the response is written or its connection lost
    function forget(this: ServerResponse) {
      inFlight.delete(this);
    }
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      inFlight.add(res);
      res.on('close', forget);
      if (this.closing) {
        res.setHeader('Connection', 'close');
      }
    });
  }

  /** Requests received and not yet answered (or given up by their client). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** From now on, every response not yet started closes its connection. */
  closeAfterNextResponse(): void {
    this.closing = true;
    for (const res of this.inFlight) {
      if (!res.headersSent) {
        res.setHeader('Connection', 'close');
      }
    }
  }
}

/**
 * Once the server stops accepting connections: close every connection as soon as it is idle,
 * including those whose response was already being written when the shutdown began (they could
 * not get `Connection: close`). Node closes the idle ones only once, when the server closes.
 */
export function closeIdleConnectionsUntilExit(server: HttpServer): void {
  setInterval(() => server.closeIdleConnections(), 100).unref();
}

/**
 * SIGTERM/SIGINT: readiness turns 503 at once, and after SHUTDOWN_READINESS_DELAY_MS (time for
 * a load balancer to notice) the server stops accepting connections and lets in-flight
 * requests finish; past SHUTDOWN_GRACE_MS the process exits anyway. Nest's own
 * enableShutdownHooks() closes at once, cutting off what the balancer still sends.
 */
export function installGracefulShutdown(app: INestApplication, config: AppConfig): void {
  const logger = app.get(Logger);
  const server = app.getHttpServer() as HttpServer;
  const connections = new ConnectionCloser(server);
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      return;
    }
    closing = true;
    app.get(ShutdownState).shuttingDown = true;
    connections.closeAfterNextResponse();
    logger.log(`${signal}: draining (readiness 503 now, closing in ${config.http.shutdownReadinessDelayMs} ms)`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${config.http.shutdownGraceMs} ms; exiting`);
      process.exit(1);
    }, config.http.shutdownReadinessDelayMs + config.http.shutdownGraceMs).unref();
    setTimeout(() => {
      logger.log(`Closing: ${connections.inFlightCount} request(s) in flight are answered before the exit`);
      closeIdleConnectionsUntilExit(server);
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(error, 'Shutdown failed');
          process.exit(1);
        },
      );
    }, config.http.shutdownReadinessDelayMs);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
