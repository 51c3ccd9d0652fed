/**
 * `npm run build`'s last step: bundles tsc's output, from dist/main.js, with the packages it
 * imports, into one ES module, dist/bundle/main.js, which `npm start` runs. Node 20 spends
 * most of a start resolving, reading and compiling module files (~1,400 of them from tsc's
 * output, about 2 s); the bundle is one file (docs/decisions/0004-bundled-start.md).
 *
 * Only esbuild's public options: no source is rewritten. tsc runs first, so the decorators'
 * design-time metadata (emitDecoratorMetadata), which Nest's dependency injection reads, is
 * already plain JavaScript in what this bundles. The rest of dist/ (the CLIs, data-source.js,
 * the migrations) stays as tsc wrote it, and `node dist/main.js` still runs the same service
 * unbundled.
 *
 * The bundle sits one directory below dist/, as dist/database/ does, so the paths our modules
 * take from their own `import.meta.url` (the migrations, dist/migrations/) resolve alike.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

const external = [
  // Packages that Nest's packages load with `createRequire(import.meta.url)` (the optional
  // peers of @nestjs/mapped-types and @nestjs/typeorm), which a bundler cannot follow: they
  // stay in node_modules, so the bundle and those calls share one copy of each (two copies of
  // class-transformer would not share their metadata).
  'class-validator',
  'class-transformer',
  'typeorm',
  // TypeORM loads its driver by a computed name (node_modules' copy): ours must be the same one.
  'pg',
  // files read beside their own code at run time (WebAssembly, worker threads, Swagger UI's assets)
  '@electric-sql/*',
  'pino',
  'thread-stream',
  'swagger-ui-dist',
  // loaded only when configured
  'jwks-rsa',
  'ioredis',
  'nodemailer',
  // optional peers Nest and TypeORM look for and do without
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-fastify',
  '@fastify/*',
  'ts-node',
  'dotenv',
];

await build({
  entryPoints: [join(dist, 'main.js')],
  outfile: join(dist, 'bundle', 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // The CommonJS packages in the bundle (express, passport...) call `require()`; in an ES module
  // it has to be made (esbuild's documented way for ESM output on Node).
  banner: {
    js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
  },
  // Nest and TypeORM read class and function names (providers, entities, metadata).
  keepNames: true,
  sourcemap: true,
  legalComments: 'none',
  minifyWhitespace: true,
  logLevel: 'warning',
});
