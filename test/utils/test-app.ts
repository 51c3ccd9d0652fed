import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { App } from 'supertest/types.js';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { buildOpenApiDocument } from '../../src/common/openapi.js';
import { loadConfig, type AppConfig } from '../../src/config/config.js';
import { DATABASE_TARGET, type DatabaseTarget } from '../../src/database/database.module.js';
import { buildDataSourceOptions } from '../../src/database/typeorm-options.js';
import { installResponseValidation } from './openapi-validation.js';
import { createTestDatabase } from './test-database.js';

export interface TestApp {
  app: INestApplication;
  http: App;
  dataSource: DataSource;
  config: AppConfig;
  close(): Promise<void>;
}

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');
/** @nestjs/typeorm's token for the options of forRootAsync (not exported from the package root). */
const TYPEORM_MODULE_OPTIONS = 'TypeOrmModuleOptions';

/**
 * The migration classes, imported here rather than by TypeORM from the glob. TypeORM imports
 * a glob's files through `Function("return filePath => import(filePath)")`; under Jest's ESM
 * mode that compiled import ends up bound to the environment of an earlier spec file in the
 * same worker, so the third app booted in a worker fails ("import a file after the Jest
 * environment has been torn down") whenever it is in another spec file. This file's own
 * `import()` is linked to the current environment.
 */
async function migrationClasses(): Promise<(new () => unknown)[]> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const modules = await Promise.all(
    files.map((f) => import(pathToFileURL(join(MIGRATIONS_DIR, f)).href) as Promise<Record<string, unknown>>),
  );
  return modules.flatMap((m) => Object.values(m).filter((v): v is new () => unknown => typeof v === 'function'));
}

export interface TestAppOptions {
  /** Test-only controllers mounted beside the real AppModule (behind the same global guard). */
  controllers?: Type[];
  /** Test-only modules imported beside the real AppModule. */
  imports?: (Type | DynamicModule)[];
}

/**
 * Boots the real AppModule in-process through the same configureApp() as main.ts, on a
 * fresh database with the migrations applied.
 */
export async function createTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PGLITE_DATA_DIR: 'memory://',
    MAIL_DIR: './var/test-mail',
    RATE_LIMIT_ENABLED: 'false',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const migrations = await migrationClasses();
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config), ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
  })
    .overrideProvider(TYPEORM_MODULE_OPTIONS)
    .useFactory({
      factory: (target: DatabaseTarget) => ({ ...buildDataSourceOptions(config, target), migrations }),
      inject: [DATABASE_TARGET],
    })
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
  configureApp(app, config);
  // Every JSON response the suite sees must be documented, with a body matching its schema.
  // The document is built from the controllers alone, so it can be made before init.
  const violations = installResponseValidation(app, buildOpenApiDocument(app, config), config.http.prefix);
  await app.init();
  return {
    app,
    http: app.getHttpServer() as App,
    dataSource: app.get(DataSource),
    config,
    async close() {
      await app.close();
      await database.drop();
      if (violations.length > 0) {
        const lines = violations.map((v) => `  ${v.method.toUpperCase()} ${v.path} → ${v.status}: ${v.problem}`);
        throw new Error(`Responses that do not match the OpenAPI document:\n${[...new Set(lines)].join('\n')}`);
      }
    },
  };
}
