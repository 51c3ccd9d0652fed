import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp, type Options } from 'pino-http';
import { loadConfig } from '../config/config.js';
import { loggerParams } from './logger.js';

const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.bearer-signature-never-logged';
const SESSION = 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOjQyfQ.session-signature-never-logged';

describe('request logs', () => {
  let server: Server;
  let output = '';

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const options = loggerParams(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info' })).pinoHttp as Options;
    const log = pinoHttp(options, sink);
    server = createServer((req, res) => {
      log(req, res);
      res.statusCode = req.url === '/boom' ? 500 : req.url?.startsWith('/invitations/accept') ? 404 : 401;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('redact the Authorization and x-session-token headers of every logged request', async () => {
    const { port } = server.address() as AddressInfo;
    for (const path of ['/probe/me', '/boom']) {
      await fetch(`http://127.0.0.1:${port}${path}`, {
        headers: { authorization: `Bearer ${BEARER}`, 'x-session-token': SESSION, 'x-request-id': 'log-test' },
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
    const lines = output.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      const entry = JSON.parse(line) as { req: { headers: Record<string, string> } };
      expect(entry.req.headers.authorization).toBe('[redacted]');
      expect(entry.req.headers['x-session-token']).toBe('[redacted]');
    }
    expect(output).not.toContain('signature-never-logged');
    expect(output).not.toContain('eyJzdWIiOiI0MiJ9');
    expect(output).not.toContain('eyJ1c2VySWQiOjQyfQ');
  });

  it('never write an invitation token: not from a body, not from the accept page URL', async () => {
    const { port } = server.address() as AddressInfo;
    const token = 'mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m';
    output = '';
    await fetch(`http://127.0.0.1:${port}/users-organizations/v1/invitations/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    await fetch(`http://127.0.0.1:${port}/invitations/accept?lang=en&token=${token}&x=1`);
    await new Promise((resolve) => setImmediate(resolve));
    const entries = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { req: { url: string } });
    expect(entries.map((e) => e.req.url)).toEqual([
      '/users-organizations/v1/invitations/preview',
      '/invitations/accept?lang=en&token=[redacted]&x=1',
    ]);
    expect(output).not.toContain(token);
  });
});
