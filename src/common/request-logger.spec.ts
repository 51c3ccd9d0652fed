import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { pinoHttp, type Options } from 'pino-http';
import { loadConfig } from '../config/config.js';
import { loggerParams } from './logger.js';
import { leanRequestLogger } from './request-logger.js';

type Handler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

function sink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().trim().split('\n'));
      done();
    },
  });
}

/** A line without what differs from one request to the next. */
function comparable(line: string): unknown {
  const entry = JSON.parse(line) as Record<string, unknown>;
  delete entry.time;
  delete entry.responseTime;
  const res = entry.res as { headers?: Record<string, unknown> } | undefined;
  delete res?.headers?.date;
  const req = entry.req as { headers?: Record<string, unknown> } | undefined;
  delete req?.headers?.host;
  const err = entry.err as { stack?: string } | undefined;
  if (err) {
    err.stack = err.stack?.split('\n')[0];
  }
  return entry;
}

async function serve(log: Handler): Promise<Server> {
  const server = createServer((req, res) => {
    (req as IncomingMessage & { id?: string }).id = 'fixed-id';
    log(req, res, () => {
      if (req.url === '/thrown') {
        res.err = new Error('thrown by the handler');
      }
      res.statusCode =
        req.url === '/boom' || req.url === '/thrown'
          ? 500
          : req.url === '/missing'
            ? 404
            : req.url === '/new'
              ? 201
              : 200;
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('leanRequestLogger', () => {
  const paths = ['/new', '/missing', '/boom', '/thrown', '/health/live'];

  async function linesOf(make: (root: pino.Logger) => Handler, level: string): Promise<string[]> {
    const lines: string[] = [];
    const root = pino({ level, base: { pid: 1, hostname: 'test' } }, sink(lines));
    const server = await serve(make(root));
    try {
      const { port } = server.address() as AddressInfo;
      for (const path of paths) {
        await fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { authorization: 'Bearer secret-never-logged', 'content-type': 'application/json' },
          body: '{}',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    return lines;
  }

  for (const [env, level] of [
    ['production', 'info'],
    ['production', 'debug'],
    ['production', 'error'],
    ['development', 'info'],
  ] as const) {
    it(`writes what pino-http writes (NODE_ENV=${env}, LOG_LEVEL=${level})`, async () => {
      const options = () =>
        loggerParams(loadConfig({ NODE_ENV: env, LOG_LEVEL: level, ...productionSecrets(env) })).pinoHttp as Options;
      const expected = await linesOf((root) => pinoHttp({ ...options(), logger: root }), level);
      const actual = await linesOf((root) => leanRequestLogger(options(), () => root), level);
      expect(actual.map(comparable)).toEqual(expected.map(comparable));
      expect(actual.join('\n')).not.toContain('secret-never-logged');
      if (env === 'production' && level === 'info') {
        // 4xx at warn, 5xx at error, successes (debug) and health checks not at all
        expect(actual.map((line) => (JSON.parse(line) as { level: number }).level)).toEqual([40, 50, 50]);
      }
    });
  }
});

function productionSecrets(env: string): Record<string, string> {
  return env === 'production'
    ? {
        AUTH_JWT_SECRET: 'a-production-bearer-secret-of-enough-length-0123',
        SESSION_JWT_SECRET: 'a-production-session-secret-of-enough-length-456',
        DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        INVITATION_ACCEPT_URL: 'https://app.example.test/invitations/accept?token={token}',
        MAIL_SECRET_KEY: 'ab'.repeat(32),
      }
    : {};
}
