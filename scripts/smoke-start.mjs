/**
 * What `npm start` promises a newcomer, checked on the built service (`.ci/run`, after the
 * build): with no configuration and no database, `node dist/bundle/main.js` starts on the
 * embedded PostgreSQL, answers /health/ready and /docs, and the token pair its banner prints
 * lets the seed invite through (201). Then SIGTERM and exit 0. Prints how long each step took.
 *
 * Usage: node scripts/smoke-start.mjs   (after npm run build)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'uo-smoke-'));
const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' };
env.PGLITE_DATA_DIR = join(dir, 'pglite');
env.MAIL_DIR = join(dir, 'mail');

const fail = (message) => {
  console.error(`smoke: ${message}`);
  process.exitCode = 1;
};

const started = performance.now();
const child = spawn(process.execPath, ['dist/bundle/main.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (chunk) => (output += chunk));
child.stderr.on('data', (chunk) => (output += chunk));
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

/** Waits for the banner's lines: the origin, and the ADMIN's tokens. */
async function banner(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const origin = /is listening on (http:\/\/localhost:\d+)/.exec(output)?.[1];
    const bearer = /bearer: +(\S+)/.exec(output)?.[1];
    const session = /x-session-token: +(\S+)/.exec(output)?.[1];
    const admin = /an ADMIN \(user (\d+)\)/.exec(output)?.[1];
    if (origin && bearer && session && admin) {
      return { origin, bearer, session, admin };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no start banner with tokens within ${timeoutMs} ms; the service printed:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

try {
  const { origin, bearer, session, admin } = await banner(60_000);
  const listening = performance.now() - started;
  const ready = await fetch(`${origin}/health/ready`);
  const firstAnswer = performance.now() - started;
  const docs = await fetch(`${origin}/docs`);
  const invite = await fetch(`${origin}/users-organizations/v1/rs/na/${admin}/invite`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'x-session-token': session, 'content-type': 'application/json' },
    // the seed page's example request
    body: JSON.stringify({ email: 'test@mail.com', scope: 1, permissions: { group: 0, manage: [1, 2], read: [1, 2] } }),
  });
  const firstInvite = performance.now() - started;
  const body = await invite.json();
  console.log(
    `smoke: spawn → banner ${listening.toFixed(0)} ms, → /health/ready ${ready.status} at ${firstAnswer.toFixed(0)} ms, ` +
      `/docs ${docs.status}, seed invite ${invite.status} at ${firstInvite.toFixed(0)} ms`,
  );
  if (ready.status !== 200) {
    fail(`/health/ready answered ${ready.status}`);
  }
  if (docs.status !== 200) {
    fail(`/docs answered ${docs.status}`);
  }
  if (invite.status !== 201 || body?.data?.status !== 'invited') {
    fail(`the seed invite answered ${invite.status} ${JSON.stringify(body)}`);
  }
} catch (error) {
  fail(error.message);
} finally {
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  if (code !== 0) {
    fail(`exit ${code ?? signal} after SIGTERM; the service printed:\n${output}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
