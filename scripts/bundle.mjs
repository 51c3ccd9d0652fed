/**
 * `npm run build`'s last step: bundles tsc's output from dist/main.js, with the packages it
 * imports, into dist/app.cjs, and writes dist/main.js as the loader that starts it through
 * V8's code cache (scripts/bundle-loader.mjs; cold start, issue #7). Node 20 spends most of
 * a start resolving, reading and compiling ~1,400 module files; one file starts in a
 * fraction of that.
 *
 * tsc runs first, so the decorators' design-time metadata (emitDecoratorMetadata), which
 * Nest's dependency injection reads, is already plain JavaScript in what this bundles.
 * The rest of dist/ (the CLIs, data-source.js, migrations) stays as tsc wrote it.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

// Loaded only when configured (optional), or reading files beside their own code at run time
// (__dirname): they stay in node_modules and load from there as before.
const external = [
  '@electric-sql/*',
  'jwks-rsa',
  'ioredis',
  'nodemailer',
  'swagger-ui-dist',
  'pino',
  'thread-stream',
  // TypeORM loads its driver by a computed name (node_modules' copy): ours must be the same
  // one, or its type parsers (parseInt8) and ours would differ.
  'pg',
  // optional peers Nest and TypeORM look for and do without
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-fastify',
  '@fastify/*',
  'class-transformer/storage',
  '@mikro-orm/core',
  '@sap/hana-client',
  'better-sqlite3',
  'hdb-pool',
  'ioredis/*',
  'mongodb',
  'mssql',
  'mysql',
  'mysql2',
  'oracledb',
  'pg-native',
  'pg-query-stream',
  'redis',
  'sql.js',
  'sqlite3',
  'typeorm-aurora-data-api-driver',
  'react-native-sqlite-storage',
  '@google-cloud/spanner',
  '@sentry/node',
  'ts-node',
  'dotenv',
];

/**
 * Each of our modules keeps its own `import.meta.url` (paths beside it: the migrations, and
 * createRequire for the optional packages), as if it still were its own file in dist/; its
 * dynamic imports (the embedded database's packages, the migrations) go through the
 * loader's `import()` (see scripts/bundle-loader.mjs), and so does terminus's loader.
 * Nest's packages that `require()` an optional peer through createRequire get the bundled
 * copy instead, so that class-validator, class-transformer, typeorm and @nestjs/swagger are
 * each loaded once (two class-transformer copies would not share their metadata).
 */
const TERMINUS_LOADER = '@nestjs/terminus/dist/utils/checkPackage.util.js'.split('/').join(sep);

const ownModules = {
  name: 'own-modules',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      const inNodeModules = /[\\/]node_modules[\\/]/.test(args.path);
      if (!inNodeModules && !args.path.startsWith(dist)) {
        return undefined;
      }
      const source = await readFile(args.path, 'utf8');
      if (!/import\.meta\.url|(?<![\w$.])import\(/.test(source) && !args.path.endsWith(TERMINUS_LOADER)) {
        return undefined;
      }
      if (args.path.endsWith(TERMINUS_LOADER)) {
        // terminus imports its optional peers by a name held in a variable, which a bundler
        // cannot follow: the TypeORM indicator would get a second @nestjs/typeorm whose
        // DataSource token the app never registered (readiness answered 503).
        if (!source.includes('await import(packageName)')) {
          throw new Error(
            `${TERMINUS_LOADER} no longer loads its peers as this build expects: review scripts/bundle.mjs`,
          );
        }
        return {
          contents: `const bundledPeers = { '@nestjs/typeorm': () => import('@nestjs/typeorm'), typeorm: () => import('typeorm') };\n${source.replace(
            'await import(packageName)',
            'await (bundledPeers[packageName]?.() ?? __bundleImport(packageName))',
          )}`,
          loader: 'js',
        };
      }
      if (inNodeModules) {
        const declaration = 'const require = createRequire(import.meta.url);';
        return source.includes(declaration) ? { contents: source.replace(declaration, ''), loader: 'js' } : undefined;
      }
      const rel = `./${relative(dist, args.path).split('\\').join('/')}`;
      return {
        contents: source
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`)
          .replace(/(?<![\w$.])import\(/g, '__bundleImport('),
        loader: 'js',
      };
    });
  },
};

const LOADER_TEMPLATE = join(root, 'scripts', 'bundle-loader.mjs');
const loaderTemplate = await readFile(LOADER_TEMPLATE, 'utf8');
const loaderMarker = loaderTemplate.split('\n')[1];
if ((await readFile(join(dist, 'main.js'), 'utf8')).includes(loaderMarker)) {
  // tsc did not write dist/main.js again: it is still the loader of the last build.
  throw new Error('dist/main.js is already the loader: run `npm run build`, which compiles it first');
}

await build({
  entryPoints: [join(dist, 'main.js')],
  outfile: join(dist, 'app.cjs'),
  bundle: true,
  platform: 'node',
  // A script, not a module: only a script can be given V8's cached data (bundle-loader.mjs).
  format: 'cjs',
  target: 'node20',
  external,
  plugins: [ownModules],
  // The loader passes its own: the bundle sits beside it in dist/, so paths resolve alike.
  define: { 'import.meta': '__importMeta' },
  // Nest and TypeORM read class and function names (providers, entities, metadata).
  keepNames: true,
  sourcemap: true,
  legalComments: 'none',
  // A third less to read and to compile on a start without the code cache, and a smaller cache.
  minifyWhitespace: true,
  logLevel: 'warning',
});

/*
 * keepNames wraps every named function esbuild emits in `__name(fn, "name")`, including the
 * closures made on every request (Nest's switchToHttp() makes three, rxjs and the router
 * more): an Object.defineProperty on each, ~3 % of the CPU of an invite (issue #7). Nearly
 * all of them already carry that name (JavaScript names a function after the property or
 * variable it is assigned to); the helper now defines it only when it differs, which is what
 * keepNames is for (a class or function esbuild renamed to avoid a clash, `Observable7`).
 * It is padded to the same length, so every column after it, and the source map, stay right.
 */
const NAME_HELPER = 'var __name=(target,value)=>__defProp(target,"name",{value,configurable:true});';
const CHEAP_NAME_HELPER = 'var __name=(t,v)=>t.name===v?t:__defProp(t,"name",{value:v,configurable:!0});'.padEnd(
  NAME_HELPER.length,
);
let bundle = await readFile(join(dist, 'app.cjs'), 'utf8');
if (bundle.split(NAME_HELPER).length !== 2 || CHEAP_NAME_HELPER.length !== NAME_HELPER.length) {
  throw new Error(`esbuild's __name helper changed: expected exactly one "${NAME_HELPER}" in dist/app.cjs`);
}
bundle = bundle.replace(NAME_HELPER, CHEAP_NAME_HELPER);

/*
 * esbuild writes ASCII but for characters in regular expressions (validator's alphabets):
 * as \uXXXX escapes, which mean the same in a regular expression or a string (only those
 * few columns move in the source map), the whole file is ASCII, and the loader reads it as
 * a one-byte string (half the memory of UTF-16, and faster to read and to parse).
 */
bundle = bundle.replace(/[^ -~\t\n\r]/g, (char, offset) => {
  if (bundle[offset - 1] === '\\') {
    throw new Error(`dist/app.cjs: an escaped non-ASCII character at ${offset} cannot be rewritten as \\u`);
  }
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
});
await writeFile(join(dist, 'app.cjs'), bundle);

// The loader, with this build's id; the code caches of earlier builds go.
await rm(join(dist, 'code-cache'), { recursive: true, force: true });
await rm(join(dist, 'main.js.map'), { force: true });
const buildId = createHash('sha256').update(bundle).digest('hex');
const loader = loaderTemplate.replace("'%BUILD_ID%'", `'${buildId}'`);
if (!loader.includes(buildId)) {
  throw new Error(`${LOADER_TEMPLATE} no longer holds the BUILD_ID placeholder`);
}
await writeFile(join(dist, 'main.js'), loader);
