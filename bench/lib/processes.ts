import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs a command to completion; rejects with its output when it fails. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (!options.quiet) {
        process.stdout.write(d);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      if (!options.quiet) {
        process.stderr.write(d);
      }
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  logFile: string;
}

/** Starts a Node server; its stdout and stderr go to `logFile` (as a log shipper would take them). */
export function startServer(
  name: string,
  script: string,
  port: number,
  env: NodeJS.ProcessEnv,
  options: { cwd: string; logFile: string; nodeArgs?: string[] },
): Server {
  const log = openSync(options.logFile, 'w');
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    cwd: options.cwd,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && code !== null && signal === null) {
      process.stderr.write(`${name} exited with ${code}; see ${options.logFile}\n`);
    }
  });
  return { name, url: `http://127.0.0.1:${port}`, child, spawnedAt, logFile: options.logFile };
}

/**
 * Polls `attempt` until it returns true (each failure, such as a refused connection, is
 * retried), bounded by `timeoutMs`. Returns the milliseconds since the server was spawned.
 */
export async function waitUntil(server: Server, attempt: () => Promise<boolean>, timeoutMs = 30000): Promise<number> {
  const deadline = server.spawnedAt + timeoutMs;
  while (performance.now() < deadline) {
    if (server.child.exitCode !== null) {
      throw new Error(`${server.name} exited (${server.child.exitCode}) before it answered; see ${server.logFile}`);
    }
    try {
      if (await attempt()) {
        return performance.now() - server.spawnedAt;
      }
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  throw new Error(`${server.name} did not answer within ${timeoutMs} ms; see ${server.logFile}`);
}

/** The process's peak resident set (VmHWM), in MB; undefined off Linux. */
export function peakRssMb(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux this runs on). */
const TICK_MS = 10;

function procTimes(pid: number | string): { own: number; children: number; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // fields[11..14]: utime stime cutime cstime (fields 14..17 of proc(5))
    return {
      own: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
      children: (Number(fields[13]) + Number(fields[14])) * TICK_MS,
      comm,
    };
  } catch {
    return undefined;
  }
}

/** CPU time used so far (ms) by a process, by all PostgreSQL processes, and by the machine. */
export interface CpuSample {
  server: number;
  postgres: number;
  machineBusy: number;
  machineTotal: number;
}

export function sampleCpu(pid: number | undefined): CpuSample {
  let postgres = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const t = procTimes(entry);
    if (t?.comm === 'postgres') {
      // a backend that exited is counted in the postmaster's children times
      postgres += t.own + t.children;
    }
  }
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = ticks.map(Number);
  const idle = n[3] + n[4];
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return {
    server: pid === undefined ? 0 : (procTimes(pid)?.own ?? 0),
    postgres,
    machineBusy: (total - idle) * TICK_MS,
    machineTotal: total * TICK_MS,
  };
}

/** CPU ms per request of the server and of PostgreSQL between two samples, and how busy the machine was. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number) {
  return {
    server: (after.server - before.server) / requests,
    postgres: (after.postgres - before.postgres) / requests,
    busy: (after.machineBusy - before.machineBusy) / (after.machineTotal - before.machineTotal),
  };
}
