import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './spawned-service.js';

/**
 * A throwaway PostgreSQL cluster of our own, so fault tests can stop, freeze and restart
 * the database without touching the machine's shared server. Needs the PostgreSQL server
 * binaries (Debian's postgresql package); runs them as the `postgres` user when we are root.
 */
export interface PrivatePostgres {
  url: string;
  port: number;
  start(): void;
  /** Fast shutdown: connections are terminated (57P01), new ones refused. */
  stop(): void;
  /** SIGSTOP the server and its backends: connections hang, nothing answers. */
  freeze(): void;
  thaw(): void;
  destroy(): void;
}

function binDir(): string {
  const versions = execFileSync('ls', ['/usr/lib/postgresql']).toString().trim().split('\n');
  return `/usr/lib/postgresql/${versions.sort().pop()}/bin`;
}

export function privatePostgresAvailable(): boolean {
  try {
    binDir();
    return true;
  } catch {
    return false;
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  // PostgreSQL cannot listen on port 0: it gets a port that was free a moment ago, and another
  // if that one was taken in between.
  for (let attempt = 1; ; attempt++) {
    try {
      return startOn(await freePort());
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === 5) {
        throw error;
      }
    }
  }
}

class PortTaken extends Error {}

function startOn(port: number): PrivatePostgres {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'uo-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const pids = (): number[] => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)])
      .toString()
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return [postmaster, ...children];
  };
  const handle: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']),
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    freeze: () => pids().forEach((pid) => process.kill(pid, 'SIGSTOP')),
    thaw: () => pids().forEach((pid) => process.kill(pid, 'SIGCONT')),
    destroy: () => {
      try {
        handle.thaw();
      } catch {
        // not running
      }
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    handle.start();
  } catch (error) {
    const log = (() => {
      try {
        return readFileSync(join(dir, 'log'), 'utf8');
      } catch {
        return '';
      }
    })();
    handle.destroy();
    throw log.includes('Address already in use') ? new PortTaken(`port ${port} taken`) : error;
  }
  return handle;
}
