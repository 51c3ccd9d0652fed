import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp, installGracefulShutdown } from './app.setup.js';
import { ConfigError, loadConfigFromProcess } from './config/config.js';
import { printStartBanner } from './start-banner.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfigFromProcess();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app, config);
  installGracefulShutdown(app, config);
  await app.listen(config.http.port, config.http.host);
  await printStartBanner(app, config);
}

void bootstrap();
