import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionCloser } from './app.setup.js';

/** A GET on a keep-alive agent: the status and the Connection header the server sent. */
function get(port: number, agent: http.Agent, path: string): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      })
      .on('error', reject);
  });
}

describe('ConnectionCloser', () => {
  let server: http.Server;
  let port: number;
  let closer: ConnectionCloser;
  const held: ServerResponse[] = [];
  const agent = new http.Agent({ keepAlive: true });

  beforeEach(async () => {
    server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/held') {
        held.push(res);
      } else {
        res.end('ok');
      }
    });
    closer = new ConnectionCloser(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    held.splice(0).forEach((res) => res.end());
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('leaves keep-alive alone until the shutdown', async () => {
    await expect(get(port, agent, '/')).resolves.toEqual({ status: 200, connection: 'keep-alive' });
    expect(closer.inFlightCount).toBe(0);
  });

  it('closes the connection of a request that arrives after the shutdown began', async () => {
    closer.closeAfterNextResponse();
    await expect(get(port, agent, '/')).resolves.toEqual({ status: 200, connection: 'close' });
  });

  it('also closes the connection of a request already running when the shutdown began', async () => {
    const answer = get(port, agent, '/held');
    while (held.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(closer.inFlightCount).toBe(1);
    closer.closeAfterNextResponse();
    held.shift()!.end('late');
    await expect(answer).resolves.toEqual({ status: 200, connection: 'close' });
    expect(closer.inFlightCount).toBe(0);
  });
});
