/**
 * `npm run bench`: the invite route and the member list of the built service,
 * measured on a real PostgreSQL side by side with a hand-written floor (bench/floor.ts) and
 * with pgbench running the service's own statements. This machine is shared and noisy, so
 * only ratios taken in the same round mean anything: every round runs every target, in a
 * rotating order, on the same database; the summary gives the medians of the rounds.
 *
 *   npm run bench -- [--rounds 5] [--duration 10] [--connections 32] [--warmup 5]
 *                    [--only invite,large,read,bulk] [--no-pgbench] [--pgbench-clients 10]
 *                    [--large-rows 1000000] [--log-level info] [--mail-worker] [--profile]
 *                    [--node-options '--max-old-space-size=160 --max-semi-space-size=16 --heap-growing-percent=100'] [--floor-prepared] [--skip-build]
 *                    [--compare name=/path/to/other/checkout,...] [--record]
 *
 * --profile starts each service with --cpu-prof (var/bench/profile/); bench/profile-summary.mjs
 * sums one up by package and function, the bundle mapped back to its packages.
 *
 * --compare runs other builds of the service (each a checkout with its own `npm run build`
 * done; its dist/bundle/main.js, or dist/main.js for builds from before the bundle moved) as
 * more targets of the same rounds, so what a change costs is measured side by side on the same
 * database and machine. --record writes the summary to docs/performance-results.md.
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/uo_bench) is dropped and
 * recreated, and so is the same name with `_large` (the 1,000,000-membership copy); the
 * name must contain "bench".
 */
import { createSecretKey } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  count,
  databaseName,
  invitedWithRows,
  migrate,
  recreateDatabase,
  seedBase,
  seedLarge,
  withClient,
  withDatabase,
  type BenchFixture,
} from './lib/database.js';
import { signHs256 } from './lib/jwt.js';
import { driveInvites, driveReads, INVITE_BODY, post, type LoadResult, type Target } from './lib/load.js';
import { runPgbench, writeInviteScript, type PgbenchResult } from './lib/pgbench.js';
import {
  cpuPerRequest,
  peakRssMb,
  run,
  sampleCpu,
  startServer,
  stop,
  waitUntil,
  type Server,
} from './lib/processes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'var', 'bench');

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '5' },
    only: { type: 'string', default: 'invite,large,read,bulk' },
    'no-pgbench': { type: 'boolean', default: false },
    'pgbench-clients': { type: 'string', default: '10' },
    'large-rows': { type: 'string', default: '1000000' },
    'read-duration': { type: 'string', default: '8' },
    'read-connections': { type: 'string', default: '10' },
    'log-level': { type: 'string', default: 'info' },
    'mail-worker': { type: 'boolean', default: false },
    'floor-prepared': { type: 'boolean', default: false },
    'cold-starts': { type: 'string', default: '3' },
    'node-options': {
      type: 'string',
      default: '--max-old-space-size=160 --max-semi-space-size=16 --heap-growing-percent=100',
    },
    profile: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    compare: { type: 'string', default: '' },
    record: { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const durationS = Number(args.duration);
const connections = Number(args.connections);
const warmupS = Number(args.warmup);
const parts = new Set(args.only.split(',').map((p) => p.trim()));
const withPgbench = parts.has('invite') && !args['no-pgbench'];
const withLarge = parts.has('large') || parts.has('read');

const BEARER_SECRET = 'bench-bearer-secret-0123456789abcdef0123456789';
const SESSION_SECRET = 'bench-session-secret-fedcba9876543210fedcba98765';
const POOL_MAX = 10;

/** Other builds to run side by side with this one: name → their entry point. */
const compared = args.compare
  .split(',')
  .map((c) => c.trim())
  .filter((c) => c !== '')
  .map((c) => {
    const [name, dir] = c.split('=');
    if (!name || !dir) {
      throw new Error(`--compare takes name=/path/to/checkout, not ${c}`);
    }
    const bundled = join(dir, 'dist', 'bundle', 'main.js');
    return { name, entry: existsSync(bundled) ? bundled : join(dir, 'dist', 'main.js'), cwd: dir };
  });

/** A port free at the moment of asking (other people's servers run on this machine too). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/uo_bench';
const largeUrl = withDatabase(baseUrl, `${databaseName(baseUrl)}_large`);

// --- output helpers -------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) {
    return NaN;
  }
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f0 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(0));
const f1 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(1));
const f2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(2));
const say = (line = '') => process.stdout.write(`${line}\n`);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;

// --- tokens -----------------------------------------------------------------------------------

function tokensFor(fixture: BenchFixture): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + 12 * 3600;
  const bearer = signHs256(
    { sub: String(fixture.adminId), roles: [], iat: now, exp },
    createSecretKey(Buffer.from(BEARER_SECRET)),
  );
  const session = signHs256(
    { userId: fixture.adminId, sessionId: fixture.sessionId, organizationId: fixture.organizationId, iat: now, exp },
    createSecretKey(Buffer.from(SESSION_SECRET)),
  );
  return { authorization: `Bearer ${bearer}`, 'x-session-token': session };
}

const invitePath = (fixture: BenchFixture) => `/users-organizations/v1/rs/na/${fixture.adminId}/invite`;
const bulkPath = (fixture: BenchFixture) => `/users-organizations/v1/rs/na/${fixture.adminId}/invitations/bulk`;
const BULK_ITEMS = 100;
const BULK_SAMPLES = 15;

// --- servers ----------------------------------------------------------------------------------

function serviceEnv(url: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DATABASE_URL: url,
    AUTH_JWT_SECRET: BEARER_SECRET,
    SESSION_JWT_SECRET: SESSION_SECRET,
    MAIL_SECRET_KEY: 'be'.repeat(32),
    INVITATION_ACCEPT_URL: 'https://app.example.test/invitations/accept?token={token}',
    MAIL_TRANSPORT: 'file',
    RATE_LIMIT_ENABLED: 'false',
    MAIL_WORKER_ENABLED: args['mail-worker'] ? 'true' : 'false',
    MAIL_DIR: join(outDir, 'mail'),
    LOG_LEVEL: args['log-level'],
    DB_POOL_MAX: String(POOL_MAX),
  };
}

let profileCount = 0;
function startService(
  name: string,
  url: string,
  port: number,
  build: { entry: string; cwd: string } = { entry: 'dist/bundle/main.js', cwd: root },
): Server {
  // The Dockerfile starts the service with the same flags (a heap cap: docs/performance.md).
  const nodeOptions = args['node-options'].split(' ').filter((o) => o !== '');
  const nodeArgs = args.profile
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${join(outDir, 'profile')}`,
        `--cpu-prof-name=${name}-${++profileCount}.cpuprofile`,
      ]
    : [];
  nodeArgs.unshift(...nodeOptions);
  return startServer(name, build.entry, port, serviceEnv(url), {
    cwd: build.cwd,
    logFile: join(outDir, `${name}.log`),
    nodeArgs,
  });
}

let emailSeq = 0;
const uniqueEmail = (tag: string) => `${tag}-${Date.now().toString(36)}-${++emailSeq}@invitees.bench.example.com`;

/** Spawn → the first 201 of the invite route (the server polled every 5 ms until then). */
async function firstCreated(server: Server, fixture: BenchFixture, headers: Record<string, string>): Promise<number> {
  return waitUntil(server, async () => {
    const status = await post(`${server.url}${invitePath(fixture)}`, headers, {
      email: uniqueEmail('cold'),
      ...INVITE_BODY,
    });
    if (status !== 201 && status !== 404 && status !== 503) {
      throw new Error(`${server.name} answered ${status} to an invite`);
    }
    return status === 201;
  });
}

// --- results ----------------------------------------------------------------------------------

interface Cpu {
  /** CPU ms per request of the server process and of all PostgreSQL processes; machine busy 0..1. */
  cpu: { server: number; postgres: number; busy: number };
}

interface InviteRun extends LoadResult, Cpu {
  rowsOk: boolean;
}

const cpuText = (c: Cpu['cpu']) =>
  `cpu/req ${c.server ? `server ${f2(c.server)} ms, ` : ''}pg ${f2(c.postgres)} ms, busy ${f0(c.busy * 100)}%`;

const results = {
  service: [] as InviteRun[],
  floor: [] as InviteRun[],
  pgbench: [] as (PgbenchResult & Cpu)[],
  large: [] as InviteRun[],
  compared: Object.fromEntries(compared.map((c) => [c.name, [] as InviteRun[]])),
  readFirst: [] as (LoadResult & Cpu)[],
  readDeep: [] as (LoadResult & Cpu)[],
  coldStartMs: [] as number[],
  /** Per round: median latency of one invite and of one bulk of BULK_ITEMS, one request at a time. */
  bulk: [] as { singleMs: number; bulkMs: number }[],
};

/**
 * One invite and one bulk of BULK_ITEMS invites, alternated, one request at a time on an
 * otherwise idle service: what a bulk costs against the single invite it replaces N of.
 */
async function bulkRound(server: Server, fixture: BenchFixture, headers: Record<string, string>, round: number) {
  const singles: number[] = [];
  const bulks: number[] = [];
  for (let i = 0; i < BULK_SAMPLES; i++) {
    let started = performance.now();
    const single = await post(`${server.url}${invitePath(fixture)}`, headers, {
      email: uniqueEmail(`b${round}s`),
      ...INVITE_BODY,
    });
    singles.push(performance.now() - started);
    const invitations = Array.from({ length: BULK_ITEMS }, () => ({
      email: uniqueEmail(`b${round}b`),
      ...INVITE_BODY,
    }));
    started = performance.now();
    const many = await post(`${server.url}${bulkPath(fixture)}`, headers, { invitations });
    bulks.push(performance.now() - started);
    if (single !== 201 || many !== 207) {
      throw new Error(`bulk part: the invite answered ${single}, the bulk ${many}`);
    }
  }
  const r = { singleMs: median(singles), bulkMs: median(bulks) };
  say(
    `  ${'bulk'.padEnd(16)} single ${f1(r.singleMs)} ms, bulk of ${BULK_ITEMS} ${f1(r.bulkMs)} ms: ${f2(r.bulkMs / r.singleMs)}× one invite`,
  );
  return r;
}

async function inviteRun(
  label: string,
  url: string,
  server: Server,
  fixture: BenchFixture,
  headers: Record<string, string>,
  prefix: string,
  seconds = durationS,
): Promise<InviteRun> {
  const before = sampleCpu(server.child.pid);
  const r = await driveInvites({ url: server.url, headers }, invitePath(fixture), {
    connections,
    durationS: seconds,
    emailPrefix: prefix,
  });
  const cpu = cpuPerRequest(before, sampleCpu(server.child.pid), r.ok + r.non2xx);
  const withRows = await invitedWithRows(url, fixture.organizationId, r.userIds);
  const rowsOk = withRows === r.userIds.length && new Set(r.userIds).size === r.userIds.length;
  say(
    `  ${label.padEnd(16)} ${f0(r.rps).padStart(6)} req/s  p50 ${f1(r.p50).padStart(6)} ms  p99 ${f1(r.p99).padStart(6)} ms  ` +
      `non-2xx ${r.non2xx}  errors ${r.errors}  rows ${rowsOk ? 'ok' : `MISSING ${r.userIds.length - withRows}`}  ${cpuText(cpu)}`,
  );
  return { ...r, rowsOk, cpu };
}

// --- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(join(outDir, 'mail'), { recursive: true });
  if (args.profile) {
    mkdirSync(join(outDir, 'profile'), { recursive: true });
  }
  say(
    `users-organizations bench — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  say(
    `rounds ${rounds}, ${durationS} s per run, ${connections} connections; parts: ${[...parts].join(', ')}${withPgbench ? ', pgbench' : ''}`,
  );

  if (!args['skip-build']) {
    say(`[${elapsed()}] building (npm run build)`);
    await run('npm', ['run', 'build', '--silent'], { cwd: root, quiet: true });
  }

  say(`[${elapsed()}] database ${databaseName(baseUrl)}: recreate, migrate, seed ~20,000 rows, VACUUM ANALYZE`);
  await recreateDatabase(baseUrl);
  await migrate(root, baseUrl);
  const fixture = await seedBase(baseUrl);
  const pgVersion = await withClient(
    baseUrl,
    async (db) => (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v,
  );
  let large: BenchFixture | undefined;
  if (withLarge) {
    const rows = Number(args['large-rows']);
    say(`[${elapsed()}] database ${databaseName(largeUrl)}: a copy with ${rows.toLocaleString('en')} more memberships`);
    await recreateDatabase(largeUrl, databaseName(baseUrl));
    large = await seedLarge(largeUrl, fixture, rows);
    const n = await count(largeUrl, 'SELECT count(*) AS n FROM user_organizations');
    say(`[${elapsed()}]   user_organizations: ${n.toLocaleString('en')} rows`);
  }
  const headers = tokensFor(fixture);

  // Cold start: spawn → first 201, a few times; the last one stays up for the load.
  const coldStarts = Math.max(1, Number(args['cold-starts']));
  let service: Server | undefined;
  for (let i = 0; i < coldStarts; i++) {
    if (service) {
      await stop(service);
    }
    service = startService('service', baseUrl, await freePort());
    results.coldStartMs.push(await firstCreated(service, fixture, headers));
  }
  if (!service) {
    throw new Error('no service started');
  }
  say(`[${elapsed()}] cold start (spawn → first 201): ${results.coldStartMs.map((ms) => `${f0(ms)} ms`).join(', ')}`);
  const servers: Server[] = [service];
  const others: { name: string; server: Server }[] = [];
  for (const c of compared) {
    const server = startService(c.name, baseUrl, await freePort(), c);
    const ms = await firstCreated(server, fixture, headers);
    say(`[${elapsed()}] ${c.name} (${c.entry}) answered its first 201 after ${f0(ms)} ms`);
    servers.push(server);
    others.push({ name: c.name, server });
  }

  const floor = parts.has('invite')
    ? startServer(
        'floor',
        'dist-bench/floor.js',
        await freePort(),
        {
          PATH: process.env.PATH,
          DATABASE_URL: baseUrl,
          AUTH_JWT_SECRET: BEARER_SECRET,
          SESSION_JWT_SECRET: SESSION_SECRET,
          DB_POOL_MAX: String(POOL_MAX),
          FLOOR_PREPARED: args['floor-prepared'] ? 'true' : 'false',
        },
        { cwd: root, logFile: join(outDir, 'floor.log') },
      )
    : undefined;
  if (floor) {
    servers.push(floor);
    await waitUntil(
      floor,
      async () =>
        (await post(`${floor.url}${invitePath(fixture)}`, headers, { email: uniqueEmail('ready'), ...INVITE_BODY })) ===
        201,
    );
  }
  const largeService = large ? startService('service-large', largeUrl, await freePort()) : undefined;
  if (largeService && large) {
    servers.push(largeService);
    await firstCreated(largeService, large, headers);
  }

  let script: string | undefined;
  const pgbenchVariables = {
    round: 0,
    org: fixture.organizationId,
    admin: fixture.adminId,
    sid: fixture.sessionId,
    permissions: JSON.stringify(INVITE_BODY.permissions),
    kind: 'invitation',
    sealed: `v1.${Buffer.alloc(75, 7).toString('base64url')}`,
    rid: '00000000-0000-4000-8000-000000000000',
  };
  if (withPgbench) {
    script = join(outDir, 'invite.pgbench.sql');
    await writeInviteScript(root, script);
  }

  try {
    if (parts.has('invite') || parts.has('large') || parts.has('bulk')) {
      say(`[${elapsed()}] warm-up, ${warmupS} s each`);
      await driveInvites({ url: service.url, headers }, invitePath(fixture), {
        connections,
        durationS: warmupS,
        emailPrefix: 'warm-s-',
      });
      if (floor) {
        await driveInvites({ url: floor.url, headers }, invitePath(fixture), {
          connections,
          durationS: warmupS,
          emailPrefix: 'warm-f-',
        });
      }
      for (const [i, other] of others.entries()) {
        await driveInvites({ url: other.server.url, headers }, invitePath(fixture), {
          connections,
          durationS: warmupS,
          emailPrefix: `warm-c${i}-`,
        });
      }
      if (largeService && large) {
        await driveInvites({ url: largeService.url, headers }, invitePath(large), {
          connections,
          durationS: warmupS,
          emailPrefix: 'warm-l-',
        });
      }
      if (script) {
        await runPgbench({
          url: baseUrl,
          script,
          clients: Number(args['pgbench-clients']),
          durationS: Math.min(warmupS, 3),
          logDir: outDir,
          variables: { ...pgbenchVariables, round: 99 },
        });
      }
      await withClient(baseUrl, (db) => db.query('ANALYZE'));

      type Step = () => Promise<void>;
      for (let round = 1; round <= rounds; round++) {
        say(`[${elapsed()}] round ${round}/${rounds}`);
        const steps: Step[] = [
          async () => {
            results.service.push(await inviteRun('service', baseUrl, service, fixture, headers, `s${round}-`));
          },
        ];
        if (floor) {
          steps.push(async () => {
            results.floor.push(
              await inviteRun(
                args['floor-prepared'] ? 'floor (named)' : 'floor',
                baseUrl,
                floor,
                fixture,
                headers,
                `f${round}-`,
              ),
            );
          });
        }
        for (const [i, other] of others.entries()) {
          steps.push(async () => {
            results.compared[other.name].push(
              await inviteRun(other.name, baseUrl, other.server, fixture, headers, `c${i}r${round}-`),
            );
          });
        }
        if (script) {
          const file = script;
          steps.push(async () => {
            const before = sampleCpu(undefined);
            const r = await runPgbench({
              url: baseUrl,
              script: file,
              clients: Number(args['pgbench-clients']),
              durationS,
              logDir: outDir,
              variables: { ...pgbenchVariables, round },
            });
            const cpu = cpuPerRequest(before, sampleCpu(undefined), r.transactions);
            results.pgbench.push({ ...r, cpu });
            say(
              `  ${'pgbench'.padEnd(16)} ${f0(r.tps).padStart(6)} tx/s   p50 ${f1(r.p50).padStart(6)} ms  p99 ${f1(r.p99).padStart(6)} ms  failed ${r.failed}  ${cpuText(cpu)}`,
            );
          });
        }
        if (parts.has('bulk')) {
          steps.push(async () => {
            results.bulk.push(await bulkRound(service, fixture, headers, round));
          });
        }
        if (largeService && large && parts.has('large')) {
          const l = large;
          steps.push(async () => {
            results.large.push(await inviteRun('service (1M)', largeUrl, largeService, l, headers, `l${round}-`));
          });
        }
        // rotate the order so no target always runs first (or right after the same one)
        for (let i = 0; i < steps.length; i++) {
          await steps[(i + round - 1) % steps.length]();
        }
      }
    }

    if (parts.has('read') && largeService && large?.readOrganizationId) {
      const readOrg = large.readOrganizationId;
      const members = await count(
        largeUrl,
        'SELECT count(*) AS n FROM user_organizations WHERE organization_id = $1 AND deleted_at IS NULL',
        [readOrg],
      );
      const deepId = await count(
        largeUrl,
        `SELECT id AS n FROM user_organizations WHERE organization_id = $1 AND deleted_at IS NULL ORDER BY id OFFSET $2 LIMIT 1`,
        [readOrg, Math.floor(members * 0.9)],
      );
      const base = `/users-organizations/v1/rs/na/${large.adminId}/members?organizationId=${readOrg}&limit=50`;
      const deep = `${base}&cursor=${Buffer.from(`v1:${deepId}`).toString('base64url')}`;
      const target: Target = { url: largeService.url, headers };
      const readOptions = { connections: Number(args['read-connections']), durationS: Number(args['read-duration']) };
      say(
        `[${elapsed()}] read path: ${members.toLocaleString('en')} members; first page vs the page after member ${Math.floor(members * 0.9).toLocaleString('en')}`,
      );
      await driveReads(target, base, { ...readOptions, durationS: 3 });
      await driveReads(target, deep, { ...readOptions, durationS: 3 });
      for (let round = 1; round <= rounds; round++) {
        const pair: [string, string, (LoadResult & Cpu)[]][] = [
          ['first page', base, results.readFirst],
          ['deep page', deep, results.readDeep],
        ];
        if (round % 2 === 0) {
          pair.reverse();
        }
        for (const [label, path, into] of pair) {
          const before = sampleCpu(largeService.child.pid);
          const r = await driveReads(target, path, readOptions);
          const cpu = cpuPerRequest(before, sampleCpu(largeService.child.pid), r.ok + r.non2xx);
          into.push({ ...r, cpu });
          say(
            `  round ${round} ${label.padEnd(11)} ${f0(r.rps).padStart(6)} req/s  p50 ${f1(r.p50).padStart(6)} ms  p99 ${f1(r.p99).padStart(6)} ms  non-2xx ${r.non2xx}  errors ${r.errors}  ${cpuText(cpu)}`,
          );
        }
      }
    }
  } finally {
    const rss = Object.fromEntries(servers.map((s) => [s.name, peakRssMb(s.child.pid)]));
    await Promise.all(servers.map((s) => stop(s)));
    report(rss, pgVersion);
  }
}

// --- the summary ------------------------------------------------------------------------------

function report(rss: Record<string, number | undefined>, pgVersion: string): void {
  const m = (rs: { rps?: number; tps?: number }[], key: 'rps' | 'tps' = 'rps') => median(rs.map((r) => r[key] ?? NaN));
  const mp = (rs: { p50: number; p99: number }[], key: 'p50' | 'p99') => median(rs.map((r) => r[key]));
  const perRound = (
    a: { rps?: number; tps?: number }[],
    b: { rps?: number; tps?: number }[],
    key: 'rps' | 'tps' = 'rps',
  ) => a.map((x, i) => (b[i] ? (x.rps ?? 0) / ((key === 'tps' ? b[i].tps : b[i].rps) ?? NaN) : NaN));
  const sum = (rs: LoadResult[], key: 'non2xx' | 'errors') => rs.reduce((t, r) => t + r[key], 0);

  const vsFloor = median(perRound(results.service, results.floor));
  const vsPgbench = median(perRound(results.service, results.pgbench, 'tps'));
  const largeVsBase = median(perRound(results.large, results.service));
  const coldStart = median(results.coldStartMs);
  const peak = rss.service;
  const rowsOk = [...results.service, ...results.floor, ...results.large].every((r) => r.rowsOk);
  const svcNon2xx = sum(results.service, 'non2xx') + sum(results.large, 'non2xx');
  const svcErrors = sum(results.service, 'errors') + sum(results.large, 'errors');
  const readRatio = mp(results.readDeep, 'p99') / mp(results.readFirst, 'p99');

  const rows: [string, string, string, string][] = [];
  const row = (what: string, value: string, target: string, pass?: boolean) =>
    rows.push([what, value, target, pass === undefined ? '' : pass ? 'ok' : 'MISS']);
  if (results.service.length) {
    row('service invite req/s', f0(m(results.service)), '');
    row('service p50 / p99 (ms)', `${f1(mp(results.service, 'p50'))} / ${f1(mp(results.service, 'p99'))}`, '');
  }
  if (results.floor.length) {
    row('floor invite req/s', f0(m(results.floor)), '');
    row('floor p50 / p99 (ms)', `${f1(mp(results.floor, 'p50'))} / ${f1(mp(results.floor, 'p99'))}`, '');
    row('service / floor (req/s)', `${f2(vsFloor)}×`, '≥ 1.00×', vsFloor >= 1);
    const p99Ratio = median(results.service.map((s, i) => s.p99 / (results.floor[i]?.p99 ?? NaN)));
    row('service p99 / floor p99', `${f2(p99Ratio)}×`, '≤ 1.50×', p99Ratio <= 1.5);
  }
  if (results.service.length) {
    row('service CPU per invite (ms)', f2(median(results.service.map((r) => r.cpu.server))), '');
  }
  for (const [name, runs] of Object.entries(results.compared)) {
    if (runs.length === 0) {
      continue;
    }
    row(`${name} invite req/s`, f0(m(runs)), '');
    row(`${name} p50 / p99 (ms)`, `${f1(mp(runs, 'p50'))} / ${f1(mp(runs, 'p99'))}`, '');
    row(`${name} CPU per invite (ms)`, f2(median(runs.map((r) => r.cpu.server))), '');
    row(`service / ${name} (req/s)`, `${f2(median(perRound(results.service, runs)))}×`, '');
    row(
      `service p99 / ${name} p99`,
      `${f2(median(results.service.map((s, i) => s.p99 / (runs[i]?.p99 ?? NaN))))}×`,
      '',
    );
  }
  if (results.pgbench.length) {
    row('pgbench tx/s (same SQL)', f0(m(results.pgbench, 'tps')), '');
    row('pgbench p50 / p99 (ms)', `${f1(mp(results.pgbench, 'p50'))} / ${f1(mp(results.pgbench, 'p99'))}`, '');
    row('service / pgbench', `${f2(vsPgbench)}×`, '(the database limit)');
  }
  if (results.large.length) {
    row('service invite req/s, 1M rows', f0(m(results.large)), '');
    row('1M rows / base', `${f2(largeVsBase)}×`, '≥ 0.85×', largeVsBase >= 0.85);
  }
  if (results.readFirst.length) {
    row(
      'members first page p50 / p99 (ms)',
      `${f1(mp(results.readFirst, 'p50'))} / ${f1(mp(results.readFirst, 'p99'))}`,
      '',
    );
    row(
      'members deep page p50 / p99 (ms)',
      `${f1(mp(results.readDeep, 'p50'))} / ${f1(mp(results.readDeep, 'p99'))}`,
      '',
    );
    row('deep p99 / first p99', f2(readRatio), '0.80–1.20', readRatio >= 0.8 && readRatio <= 1.2);
  }
  if (results.bulk.length) {
    const bulkRatio = median(results.bulk.map((b) => b.bulkMs / b.singleMs));
    row(
      `one invite / bulk of ${BULK_ITEMS} (ms, one at a time)`,
      `${f1(median(results.bulk.map((b) => b.singleMs)))} / ${f1(median(results.bulk.map((b) => b.bulkMs)))}`,
      '',
    );
    row(`bulk of ${BULK_ITEMS} / one invite`, `${f2(bulkRatio)}×`, '< 10×', bulkRatio < 10);
  }
  row('cold start (spawn → first 201)', `${f0(coldStart)} ms`, '< 1500 ms', coldStart < 1500);
  row('service peak RSS', `${f0(peak)} MB`, '< 200 MB', peak !== undefined && peak < 200);
  if (rss['service-large'] !== undefined) {
    row('service (1M) peak RSS', `${f0(rss['service-large'])} MB`, '< 200 MB', rss['service-large'] < 200);
  }
  if (rss.floor !== undefined) {
    row('floor peak RSS', `${f0(rss.floor)} MB`, '');
  }
  row('service non-2xx / errors', `${svcNon2xx} / ${svcErrors}`, '0 / 0', svcNon2xx === 0 && svcErrors === 0);
  row('every 2xx left its rows', rowsOk ? 'yes' : 'NO', 'yes', rowsOk);

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}`;
  const setup = `${rounds} rounds × ${durationS} s, ${connections} connections, pool ${POOL_MAX}, pgbench ${args['pgbench-clients']} clients, LOG_LEVEL=${args['log-level']}, mail worker ${args['mail-worker'] ? 'on' : 'off'}, node ${args['node-options'] || '(no options)'} dist/bundle/main.js`;
  const md = [
    `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    `Machine: ${machine}; load average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1 / 5 / 15 min).`,
    `Setup: ${setup}. Medians of the rounds; ratios are per round, then the median.`,
    '',
    '| measure | median | target | |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  say();
  say(md);
  say();
  say(`total ${elapsed()}`);
  writeFileSync(join(outDir, 'last-run.md'), `${md}\n`);
  if (args.record) {
    writeFileSync(
      join(root, 'docs', 'performance-results.md'),
      `# Performance: the latest recorded run\n\nWritten by \`npm run bench -- --record\` (bench/run.ts); method and targets in\n[performance.md](performance.md).\n\n${md}\n`,
    );
  }
  writeFileSync(
    join(outDir, 'last-run.json'),
    JSON.stringify(
      {
        machine,
        setup,
        rss,
        results: {
          ...results,
          service: results.service.map(strip),
          floor: results.floor.map(strip),
          large: results.large.map(strip),
          compared: Object.fromEntries(Object.entries(results.compared).map(([k, v]) => [k, v.map(strip)])),
        },
      },
      null,
      2,
    ),
  );
  const missed = rows.filter((r) => r[3] === 'MISS').length;
  say(missed > 0 ? `${missed} target(s) missed` : 'every target met');
}

const strip = ({ userIds, ...rest }: InviteRun) => ({ ...rest, invites: userIds.length });

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
