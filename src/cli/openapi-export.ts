import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../app.module.js';
import { buildOpenApiDocument } from '../common/openapi.js';
import { loadConfig } from '../config/config.js';

// Writes the OpenAPI document without serving: `npm run openapi -- <file>` (for Spectral and the typed client).
const out = process.argv[2] ?? 'openapi.json';
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  PGLITE_DATA_DIR: 'memory://',
  API_PREFIX: process.env.API_PREFIX,
});
const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  logger: false,
  bodyParser: false,
});
await app.init();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(buildOpenApiDocument(app, config), null, 2) + '\n');
await app.close();
process.stdout.write(`OpenAPI document written to ${out}\n`);
