import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { SafePgClient } from './safe-pg-client.js';

/**
 * A PostgreSQL server that accepts the connection, then never answers a query: what a client
 * sees when the server process hangs or the network drops its packets.
 */
async function silentServer(): Promise<{ port: number; sockets: Socket[]; server: Server }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => {
      // AuthenticationOk, then ReadyForQuery (idle); everything after that goes unanswered
      const ok = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
      const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
      socket.write(Buffer.concat([ok, ready]));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, sockets, server };
}

const closed = (socket: Socket) =>
  socket.destroyed || socket.readableEnded
    ? Promise.resolve(true)
    : new Promise<boolean>((resolve) => {
        socket.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 500);
      });

describe('SafePgClient', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;

  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    silent.sockets.forEach((s) => s.destroy());
    await new Promise((r) => silent.server.close(r));
  });

  const config = () => ({ host: '127.0.0.1', port: silent.port, user: 'u', database: 'd', query_timeout: 100 });

  it('ends its connection when a query times out, so a pool drops it', async () => {
    const client = new SafePgClient(config());
    await client.connect();
    await expect(client.query('SELECT 1')).rejects.toThrow('Query read timeout');
    expect(await closed(silent.sockets[silent.sockets.length - 1])).toBe(true);
  });

  it('does the same for a query given a callback', async () => {
    const client = new SafePgClient(config());
    await client.connect();
    const error = await new Promise<Error>((resolve) => client.query('SELECT 1', (e: Error) => resolve(e)));
    expect(error.message).toBe('Query read timeout');
    expect(await closed(silent.sockets[silent.sockets.length - 1])).toBe(true);
  });

  it('is what a pool needs: after a timeout the next query gets a fresh connection', async () => {
    const pool = new pg.Pool({ ...config(), max: 1, Client: SafePgClient });
    await expect(pool.query('SELECT 1')).rejects.toThrow('Query read timeout');
    const before = silent.sockets.length;
    await expect(pool.query('SELECT 1')).rejects.toThrow('Query read timeout');
    expect(silent.sockets.length).toBe(before + 1);
    await pool.end();
  });

  it('ends its connection when the server ended it under a query (57P01)', async () => {
    // a timeout far beyond the test, so that only the server's error can end the query
    const client = new SafePgClient({ ...config(), query_timeout: 30_000 });
    await client.connect();
    const socket = silent.sockets[silent.sockets.length - 1];
    const queryArrived = new Promise((resolve) => socket.once('data', resolve));
    const failed = client.query('SELECT 1');
    // ErrorResponse FATAL 57P01, as pg_terminate_backend sends, then nothing: the close comes later
    const fields = Buffer.from('SFATAL\0C57P01\0Mterminating connection due to administrator command\0\0');
    const header = Buffer.alloc(5);
    header.write('E', 0);
    header.writeInt32BE(fields.length + 4, 1);
    await queryArrived;
    socket.write(Buffer.concat([header, fields]));
    await expect(failed).rejects.toMatchObject({ code: '57P01' });
    expect(await closed(socket)).toBe(true);
  });

  it("shows why: pg's own client keeps the connection and queues the next query behind the lost one", async () => {
    const client = new pg.Client(config());
    await client.connect();
    await expect(client.query('SELECT 1')).rejects.toThrow('Query read timeout');
    expect(await closed(silent.sockets[silent.sockets.length - 1])).toBe(false);
    await client.end();
  });
});
