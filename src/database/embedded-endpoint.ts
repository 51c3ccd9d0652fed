import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/**
 * PGlite is single-process: while the service runs, a CLI (`npm run token`) cannot open
 * its data folder. The service writes where it serves the database beside that folder,
 * and the CLIs connect there instead.
 */
function endpointFile(dataDir: string): string {
  // resolve() drops trailing separators (a regex for them backtracks quadratically)
  const dir = resolve(dataDir);
  return join(dir, '..', `${basename(dir)}.endpoint.json`);
}

export function writeEmbeddedEndpoint(dataDir: string, url: string): void {
  writeFileSync(endpointFile(dataDir), JSON.stringify({ url, pid: process.pid }));
}

export function removeEmbeddedEndpoint(dataDir: string): void {
  rmSync(endpointFile(dataDir), { force: true });
}

/** The URL of a running service's embedded database, if its process is still alive. */
export function readEmbeddedEndpoint(dataDir: string): string | undefined {
  const file = endpointFile(dataDir);
  if (!existsSync(file)) {
    return undefined;
  }
  try {
    const { url, pid } = JSON.parse(readFileSync(file, 'utf8')) as { url: string; pid: number };
    process.kill(pid, 0);
    return url;
  } catch {
    return undefined;
  }
}
