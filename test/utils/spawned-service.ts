import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The built service as `npm start` runs it (dist/bundle/main.js), its own process, for fault and multi-instance tests. */
export interface SpawnedService {
  url: string;
  process: ChildProcess;
  logs(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * A port free at the moment of asking. Only for a server that cannot listen on port 0 itself
 * (a PostgreSQL cluster): another process may take the port before it is used, so whoever
 * listens on it must be ready to pick another.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The start banner's first line (src/start-banner.ts), which gives the port the service got. */
const LISTENING = /is listening on http:\/\/localhost:(\d+)/;

/**
 * Starts the service with PORT=0, so it listens on a port the system gives it (no port picked
 * here and listened on later, which another process could take in between) and reads that port
 * from its start banner; then waits until it is ready.
 */
export async function spawnService(env: Record<string, string>, readyTimeoutMs = 30_000): Promise<SpawnedService> {
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'bundle', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: '0',
      AUTH_JWT_SECRET: 'reliability-bearer-secret-0123456789abcdef',
      SESSION_JWT_SECRET: 'reliability-session-secret-0123456789abcdef',
      // what production needs besides: one mail key for every instance, the accept page, and
      // mail written as files on purpose unless the test gives an SMTP server
      MAIL_SECRET_KEY: '5e'.repeat(32),
      INVITATION_ACCEPT_URL: 'https://app.example.test/invitations/accept?token={token}',
      ...(env.SMTP_URL ? {} : { MAIL_TRANSPORT: 'file' }),
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + readyTimeoutMs;
  let url: string | undefined;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`The service exited during start:\n${output}`);
    }
    const port = LISTENING.exec(output)?.[1];
    url ??= port === undefined ? undefined : `http://127.0.0.1:${port}`;
    if (url !== undefined) {
      try {
        const res = await fetch(`${url}/health/ready`);
        if (res.ok) {
          return {
            url,
            process: child,
            logs: () => output,
            exited,
            async stop(signal: NodeJS.Signals = 'SIGTERM') {
              if (child.exitCode === null) {
                child.kill(signal);
              }
              return exited;
            },
          };
        }
      } catch {
        // not ready yet
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The service was not ready within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
