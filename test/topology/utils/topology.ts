import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPrivatePostgres, type PrivatePostgres } from '../../utils/private-postgres.js';
import { freePort } from '../../utils/spawned-service.js';
import { requestTap, type RequestTap } from '../../reliability/utils/request-tap.js';
import { sleep } from '../../reliability/utils/load.js';

/**
 * The production-like topology of deploy/ (docs/topology.md), started piece by piece with
 * deploy/start.sh, as a supervisor would, so each process can be signalled on its own: a
 * PostgreSQL cluster of our own (the tests stop and start it), PgBouncer in front of it,
 * three instances of the build, HAProxy in front of them, and the machine's Redis.
 */

const START = join(process.cwd(), 'deploy', 'start.sh');
export const INSTANCES = [1, 2, 3] as const;
export type InstanceNumber = (typeof INSTANCES)[number];

export const TOPOLOGY_SECRETS = {
  AUTH_JWT_SECRET: 'topology-bearer-secret-0123456789abcdef',
  SESSION_JWT_SECRET: 'topology-session-secret-0123456789abcdef',
};

export interface Proc {
  name: string;
  child: ChildProcess;
  output(): string;
  /** Resolves once the process has ended: its exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>;
  running(): boolean;
}

export interface Instance extends Proc {
  n: InstanceNumber;
  port: number;
  /** Which requests this process read and answered (by x-request-id). */
  tap: RequestTap;
}

export interface ServerState {
  name: string;
  /** UP, DOWN, `UP 1/2` (going down), `DOWN 1/2` (coming up), MAINT, ... */
  status: string;
  /** Requests HAProxy sent to it so far. */
  requests: number;
}

/** One line of HAProxy's request log (deploy/haproxy.cfg's log-format). */
export interface HaproxyRequest {
  server: string;
  status: number;
  /** Termination state: `----` for a normal end; `SH--` the server aborted before its headers. */
  termination: string;
  requestId: string;
  request: string;
}

const LOG_LINE = /^\S+ \[\S+\] \S+ \S+\/(\S+) \S+ (-?\d+) \S+ (\S{4}) \S+ \S+ id=(\S*) "(.*)"$/;

function startProc(name: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn('bash', [START, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return {
    name,
    child,
    output: () => output,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Every process started here, to be killed even if the run dies before its cleanup. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, proc?: Proc): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && !proc.running()) {
      throw new Error(`${proc.name} ended while waiting for ${what}:\n${proc.output()}`);
    }
    const value = await check().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${proc ? `\n${proc.output()}` : ''}`);
    }
    await sleep(100);
  }
}

const portOpen = (port: number) =>
  new Promise<true | undefined>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });

export class Topology {
  readonly runDir = mkdtempSync(join(tmpdir(), 'uo-topology-'));
  readonly instances = new Map<InstanceNumber, Instance>();
  /** Every process started, restarted instances included, for their logs. */
  private readonly all: Proc[] = [];
  private generation = 0;
  pgbouncer?: Proc;
  haproxy?: Proc;
  /** Direct to the cluster, for the test's own rows and checks (never through PgBouncer). */
  pool!: pg.Pool;

  private constructor(
    readonly db: PrivatePostgres,
    readonly database: string,
    readonly ports: { http: number; pgbouncer: number; instances: Record<InstanceNumber, number> },
    private readonly instanceEnv: Record<string, string>,
  ) {
    // PgBouncer, which will not run as root, reads its configuration from here as `postgres`
    chmodSync(this.runDir, 0o755);
  }

  static async create(instanceEnv: Record<string, string>): Promise<Topology> {
    // where the instances' request taps write (on a fresh clone, before anything else made it)
    mkdirSync('test-artifacts', { recursive: true });
    const db = await startPrivatePostgres();
    const database = 'users_organizations';
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const ports = {
      http: await freePort(),
      pgbouncer: await freePort(),
      instances: { 1: await freePort(), 2: await freePort(), 3: await freePort() },
    };
    const topology = new Topology(db, database, ports, instanceEnv);
    const direct = new URL(db.url);
    direct.pathname = `/${database}`;
    topology.pool = new pg.Pool({ connectionString: direct.toString(), max: 4, connectionTimeoutMillis: 3000 });
    topology.pool.on('error', () => undefined);
    return topology;
  }

  get url(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  /** What the instances connect to: PgBouncer. */
  get pgbouncerUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.ports.pgbouncer}/${this.database}`;
  }

  /** deploy/start.sh's settings for this run. */
  private env(): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      RUN_DIR: this.runDir,
      HTTP_PORT: String(this.ports.http),
      INSTANCE_1_PORT: String(this.ports.instances[1]),
      INSTANCE_2_PORT: String(this.ports.instances[2]),
      INSTANCE_3_PORT: String(this.ports.instances[3]),
      PGBOUNCER_PORT: String(this.ports.pgbouncer),
      PG_HOST: '127.0.0.1',
      PG_PORT: String(this.db.port),
      PG_DATABASE: this.database,
      PG_USER: 'postgres',
    };
  }

  async startPgbouncer(): Promise<void> {
    const proc = startProc('pgbouncer', ['pgbouncer'], this.env());
    this.track(proc);
    this.pgbouncer = proc;
    await until('PgBouncer listening', () => portOpen(this.ports.pgbouncer), 10_000, proc);
  }

  /** Starts instance n (again) on its port, and waits until it answers /health/ready. */
  async startInstance(n: InstanceNumber): Promise<Instance> {
    const tap = requestTap(`topology-i${n}-${++this.generation}`);
    const proc = startProc(`instance ${n}`, ['instance', String(n)], {
      ...this.env(),
      MAIL_DIR: join(this.runDir, 'mail'),
      ...this.instanceEnv,
      ...tap.env,
    });
    this.track(proc);
    const instance: Instance = { ...proc, n, port: this.ports.instances[n], tap };
    this.instances.set(n, instance);
    await until(
      `instance ${n} ready`,
      async () => ((await fetch(`http://127.0.0.1:${instance.port}/health/ready`)).ok ? true : undefined),
      60_000,
      proc,
    );
    return instance;
  }

  async startHaproxy(): Promise<void> {
    const proc = startProc('haproxy', ['haproxy'], { ...this.env(), HAPROXY_LOG_LEVEL: 'info' });
    this.track(proc);
    this.haproxy = proc;
    await until('HAProxy listening', () => portOpen(this.ports.http), 10_000, proc);
  }

  private track(proc: Proc): void {
    started.add(proc.child);
    this.all.push(proc);
  }

  /** Each process's output, for a failure's post-mortem: test-artifacts/topology-logs/. */
  writeLogs(): void {
    const dir = join('test-artifacts', 'topology-logs');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.all.forEach((proc, i) =>
      writeFileSync(join(dir, `${i + 1}-${proc.name.replace(' ', '-')}.log`), proc.output()),
    );
  }

  instance(n: InstanceNumber): Instance {
    const instance = this.instances.get(n);
    if (!instance) {
      throw new Error(`instance ${n} was not started`);
    }
    return instance;
  }

  /** A command of HAProxy's runtime API (its stats socket). */
  async haproxyCommand(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(join(this.runDir, 'haproxy.sock'));
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.once('error', reject);
      socket.once('end', () => resolve(text));
      socket.write(`${command}\n`);
    });
  }

  async servers(): Promise<ServerState[]> {
    const csv = (await this.haproxyCommand('show stat')).trim().split('\n');
    const header = csv[0].replace(/^# /, '').split(',');
    const col = (name: string) => header.indexOf(name);
    return csv
      .slice(1)
      .map((line) => line.split(','))
      .filter((f) => f[col('pxname')] === 'instances' && /^i\d$/.test(f[col('svname')]))
      .map((f) => ({ name: f[col('svname')], status: f[col('status')], requests: Number(f[col('stot')]) }));
  }

  /** Waits until HAProxy's health checks put server `name` in `status` (UP or DOWN). */
  async waitForServer(name: string, status: 'UP' | 'DOWN', timeoutMs = 15_000): Promise<void> {
    await until(
      `HAProxy: ${name} ${status}`,
      async () => ((await this.servers()).find((s) => s.name === name)?.status === status ? true : undefined),
      timeoutMs,
    );
  }

  /** Requests HAProxy sent to each instance: `i1 12, i2 11, i3 12`, since `before`. */
  async spread(before: ServerState[]): Promise<string> {
    const now = await this.servers();
    return now
      .map((s) => `${s.name} ${s.requests - (before.find((b) => b.name === s.name)?.requests ?? 0)}`)
      .join(', ');
  }

  /** HAProxy's request log so far. */
  requests(): HaproxyRequest[] {
    return (this.haproxy?.output() ?? '')
      .split('\n')
      .map((line) => LOG_LINE.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ server: m[1], status: Number(m[2]), termination: m[3], requestId: m[4], request: m[5] }));
  }

  /** Signals a process and waits for its end, SIGKILL after `timeoutMs`. */
  static async stop(proc: Proc | undefined, signal: NodeJS.Signals, timeoutMs = 15_000) {
    if (!proc || !proc.running()) {
      return proc?.exited;
    }
    proc.child.kill(signal);
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
    try {
      return await proc.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Everything down, in the order of deploy/start.sh: balancer, instances, pooler, database. */
  async destroy(): Promise<void> {
    await Topology.stop(this.haproxy, 'SIGTERM', 5000);
    await Promise.all([...this.instances.values()].map((i) => Topology.stop(i, 'SIGTERM', 8000)));
    await Topology.stop(this.pgbouncer, 'SIGTERM', 5000);
    this.writeLogs();
    await this.pool?.end().catch(() => undefined);
    this.db.destroy();
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
