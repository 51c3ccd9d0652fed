import 'reflect-metadata';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { App } from 'supertest/types.js';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { buildOpenApiDocument } from '../../src/common/openapi.js';
import { loadConfig, type AppConfig } from '../../src/config/config.js';
import { installResponseValidation } from './openapi-validation.js';
import { createTestDatabase } from './test-database.js';

export interface TestApp {
  app: INestApplication;
  http: App;
  dataSource: DataSource;
  config: AppConfig;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Test-only controllers mounted beside the real AppModule (behind the same global guard). */
  controllers?: Type[];
  /** Test-only modules imported beside the real AppModule. */
  imports?: (Type | DynamicModule)[];
  /** Where the service's log lines go instead of stdout (with LOG_LEVEL in env), for specs that read them. */
  logDestination?: { write(line: string): unknown };
}

/**
 * For specs that send many concurrent requests (races): each must wait for its connection,
 * however busy the machine, not give up after the production default's 1.5 s with a 503.
 */
export const PATIENT_DATABASE = {
  DB_CONNECT_TIMEOUT_MS: '120000',
  DB_QUERY_TIMEOUT_MS: '120000',
  DB_STATEMENT_TIMEOUT_MS: '120000',
};

/**
 * Boots the real AppModule in-process through the same configureApp() as main.ts, on a
 * fresh database with the migrations applied (test-database.ts).
 */
export async function createTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MAIL_DIR: './var/test-mail',
    RATE_LIMIT_ENABLED: 'false',
    ...database.env,
    ...env,
  });
  config.log.destination = options.logDestination;
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config), ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
  }).compile();
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
