import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from './processes.js';

/** A statement of the service, as its module exports it. */
interface Statement {
  text: string;
  /** The name of each $n, in order. */
  parameters: readonly string[];
}

/**
 * What pgbench sends for each of the service's parameters. Per request: a fresh email and
 * token hash (from `:n`, a random 62-bit number); the rest are the bench's constants, passed
 * with -D. A parameter the service adds that is not here stops the bench.
 */
const PGBENCH_VALUES: Record<string, string> = {
  email: `('pgb' || :round || '-' || :n || '@invitees.bench.example.com')`,
  organizationId: ':org',
  scope: '2',
  permissions: ':permissions',
  professionId: '7',
  inviterId: ':admin',
  tokenHash: `encode(sha256(convert_to(:round || '-' || :n, 'UTF8')), 'hex')`,
  ttlSeconds: '604800',
  mailKind: ':kind',
  sealedToken: ':sealed',
  sessionId: ':sid',
  sessionHash: ':sid',
  requestId: ':rid',
  outboxId: 'gen_random_uuid()',
  sendEmail: 'true',
  roleKey: 'NULL',
};

/**
 * pgbench reads every `:word` as a variable, even inside a string literal (the service's
 * `'...HH24:MI:SS...'`): colons inside literals become `' || chr(58) || '`, the same value.
 */
function escapeColonsInLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, (literal) => literal.split(':').join(`' || chr(58) || '`));
}

function toPgbench(statement: Statement): string {
  const sql = escapeColonsInLiterals(statement.text).replace(/\$(\d+)/g, (_, n: string) => {
    const name = statement.parameters[Number(n) - 1];
    const value = name === undefined ? undefined : PGBENCH_VALUES[name];
    if (value === undefined) {
      throw new Error(`The pgbench script has no value for the service's parameter $${n} (${name})`);
    }
    return value;
  });
  if (sql.includes(';')) {
    throw new Error('A statement with a semicolon cannot go into a pgbench script');
  }
  return `${sql.trim()};\n`;
}

/**
 * The pgbench script of one invite request: the same statements the service sends (the
 * session row, then the invite), taken from the built service (`dist/`), so the two cannot
 * drift apart.
 */
export async function writeInviteScript(root: string, file: string): Promise<string> {
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(root, 'dist', path)).href)) as T;
  const { SESSION_STATEMENT } = await load<{ SESSION_STATEMENT: Statement }>('auth/session-statement.js');
  const { INVITE_STATEMENT } = await load<{ INVITE_STATEMENT: Statement }>('memberships/membership.repository.js');
  const script = [
    '\\set n random(1, 4611686018427387903)',
    toPgbench(SESSION_STATEMENT),
    toPgbench(INVITE_STATEMENT),
  ].join('\n');
  writeFileSync(file, script);
  return script;
}

export interface PgbenchResult {
  tps: number;
  p50: number;
  p99: number;
  failed: number;
  transactions: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** One pgbench run of the script; latencies (ms) from its per-transaction log. */
export async function runPgbench(options: {
  url: string;
  script: string;
  clients: number;
  durationS: number;
  logDir: string;
  variables: Record<string, string | number>;
}): Promise<PgbenchResult> {
  const prefix = join(options.logDir, 'pgbench-tx');
  const clearLogs = () => {
    for (const f of readdirSync(options.logDir).filter((f) => f.startsWith('pgbench-tx'))) {
      rmSync(join(options.logDir, f));
    }
  };
  clearLogs();
  const binary = existsSync('/usr/lib/postgresql/15/bin/pgbench') ? '/usr/lib/postgresql/15/bin/pgbench' : 'pgbench';
  const output = await run(
    binary,
    [
      '-n',
      '-M',
      'prepared',
      '-c',
      String(options.clients),
      '-j',
      '2',
      '-T',
      String(options.durationS),
      '-f',
      options.script,
      '--log',
      `--log-prefix=${prefix}`,
      ...Object.entries(options.variables).flatMap(([k, v]) => ['-D', `${k}=${v}`]),
      options.url,
    ],
    { quiet: true },
  );
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  const failed = /number of failed transactions: (\d+)/.exec(output);
  const latencies: number[] = [];
  for (const f of readdirSync(options.logDir).filter((f) => f.startsWith('pgbench-tx'))) {
    for (const line of readFileSync(join(options.logDir, f), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 3) {
        latencies.push(Number(fields[2]) / 1000);
      }
    }
  }
  clearLogs();
  latencies.sort((a, b) => a - b);
  if (!tps) {
    throw new Error(`Could not read pgbench's tps:\n${output}`);
  }
  return {
    tps: Number(tps[1]),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed: failed ? Number(failed[1]) : 0,
    transactions: latencies.length,
  };
}
