/**
 * dist/main.js, written by scripts/bundle.mjs from this file: starts the bundled service
 * (dist/app.cjs) through V8's code cache (cold start, issue #7; README, Performance).
 *
 * Compiling the 6 MB bundle, and then each function the start runs, is a third of a start
 * on Node 20, which has no compile cache of its own for a program (Node 22's
 * module.enableCompileCache). V8 keeps what it compiled as "cached data": the first start
 * of a build writes it beside the bundle, ten seconds after the start or at the exit,
 * whichever comes first; later starts of the same build, with the same Node and flags,
 * read it instead of compiling. Without it (a read-only dist/, a first start), the service
 * starts the same way, only slower.
 *
 * The bundle is CommonJS evaluated by vm.Script because only a script can be given cached
 * data without Node's experimental flags. Its `import.meta` and its dynamic imports are
 * this module's (scripts/bundle.mjs rewrites them): a script compiled from cached data on
 * Node 20 loses the callback Node gives `import()`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** sha256 of app.cjs, set by the build: V8 itself checks a cache against the source's length only. */
const BUILD_ID = '%BUILD_ID%';
const WRITE_AFTER_MS = 10_000;

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, 'app.cjs');
/** This build's caches and nothing else: the build empties it, the bench and the start check read it. */
const cacheDir = join(here, 'code-cache');
// One file per build, Node and flags: V8 refuses data made under other heap or stack flags,
// and the tests (no flags) and the Dockerfile's command (heap flags) would overwrite each other.
const key = createHash('sha256')
  .update([BUILD_ID, process.version, process.arch, ...process.execArgv, process.env.NODE_OPTIONS ?? ''].join('\0'))
  .digest('hex')
  .slice(0, 16);
const cacheFile = join(cacheDir, `${key}.cache`);

let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // none yet
}
// The build checked that the bundle is ASCII: read as latin1, V8 gets a one-byte string.
const source = readFileSync(bundle, 'latin1');
const script = new Script(
  `(function (exports, require, module, __filename, __dirname, __importMeta, __bundleImport) {\n${source}\n})`,
  { filename: bundle, lineOffset: -1, cachedData },
);

if (cachedData === undefined || script.cachedDataRejected) {
  let written = false;
  const write = () => {
    if (written) {
      return;
    }
    written = true;
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    try {
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      // a read-only dist/: every start compiles
      rmSync(temporary, { force: true });
    }
  };
  setTimeout(write, WRITE_AFTER_MS).unref();
  process.once('exit', write);
}

const module = { exports: {} };
const importMeta = {
  url: pathToFileURL(bundle).href,
  filename: bundle,
  dirname: here,
  resolve: (specifier) => import.meta.resolve(specifier),
};
script
  .runInThisContext()
  .call(
    module.exports,
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    here,
    importMeta,
    (specifier) => import(specifier),
  );
