import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What a spawned service's HTTP server saw, by request id (test/reliability/utils/request-tap-preload.mjs,
 * preloaded into it): which requests it read, which answers it finished, when it closed its
 * listener. Lets a test tell a request the service read and failed to answer (a lost in-flight
 * request) from one that never reached it (a connection refused or reset before the server
 * read anything), instead of guessing from client-side timings.
 */
export interface RequestTap {
  /** Environment for spawnService: preloads the tap, which writes to `file`. */
  env: Record<string, string>;
  read(): TapRecord;
}

export interface TapRecord {
  /** Request id → when (epoch ms) the server read it. */
  started: Map<string, number>;
  /** Request id → when (epoch ms) it finished the answer. */
  finished: Map<string, number>;
  /** When (epoch ms) the server stopped accepting connections, if it did. */
  closedAt?: number;
}

export function requestTap(name: string): RequestTap {
  const file = join(process.cwd(), 'test-artifacts', `${name}.tap`);
  rmSync(file, { force: true });
  const preload = pathToFileURL(join(process.cwd(), 'test', 'reliability', 'utils', 'request-tap-preload.mjs')).href;
  return {
    env: { NODE_OPTIONS: `--import=${preload}`, REQUEST_TAP_FILE: file },
    read() {
      const record: TapRecord = { started: new Map(), finished: new Map() };
      for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        const [at, event, id] = line.split(' ');
        if (event === 'start') {
          record.started.set(id, Number(at));
        } else if (event === 'finish') {
          record.finished.set(id, Number(at));
        } else if (event === 'close') {
          record.closedAt ??= Number(at);
        }
      }
      return record;
    },
  };
}

/** A performance.now() of this process as epoch milliseconds, the tap's clock. */
export const epochOf = (now: number): number => performance.timeOrigin + now;
