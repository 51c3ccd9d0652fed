import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config.js';
import { removeEmbeddedEndpoint, writeEmbeddedEndpoint } from './embedded-endpoint.js';
import { DATABASE_TARGET, type DatabaseTarget } from './database-target.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { runMigrationsLocked } from './migrate.js';
import { Sql } from './sql.js';
import { buildDataSourceOptions, loadMigrations } from './typeorm-options.js';

/** Stops the embedded database, if one was started, after the pool has closed. */
@Injectable()
class EmbeddedDatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_TARGET) private readonly target: DatabaseTarget) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.target.embedded) {
      if (this.target.dataDir) {
        removeEmbeddedEndpoint(this.target.dataDir);
      }
      await this.target.embedded.stop();
    }
  }
}

@Module({})
class DatabaseTargetModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseTargetModule,
      providers: [
        {
          provide: DATABASE_TARGET,
          useFactory: async (): Promise<DatabaseTarget> => {
            if (config.database.url) {
              return { url: config.database.url, poolMax: config.database.poolMax };
            }
            const dataDir = config.database.pgliteDataDir;
            const embedded = await startEmbeddedPostgres(dataDir);
            const onDisk = !dataDir.startsWith('memory://');
            if (onDisk) {
              writeEmbeddedEndpoint(dataDir, embedded.url);
            }
            new Logger('Database').log(`No DATABASE_URL: using the embedded PostgreSQL (PGlite) at ${dataDir}`);
            return { url: embedded.url, poolMax: 1, embedded, dataDir: onDisk ? dataDir : undefined };
          },
        },
        EmbeddedDatabaseLifecycle,
      ],
      exports: [DATABASE_TARGET],
    };
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    const targetModule = DatabaseTargetModule.forRoot(config);
    return {
      module: DatabaseModule,
      // Sql, the one way to run statements, is for every feature module.
      global: true,
      providers: [
        {
          provide: Sql,
          inject: [DataSource, DATABASE_TARGET],
          // Not on the embedded database: it is one session behind every socket, so a statement
          // prepared by a pooled connection since replaced is still there, and preparing it again
          // on the new one fails ("prepared statement ... already exists").
          useFactory: (dataSource: DataSource, target: DatabaseTarget) =>
            new Sql(dataSource, {
              preparedStatements: config.database.preparedStatements && target.embedded === undefined,
            }),
        },
      ],
      imports: [
        targetModule,
        TypeOrmModule.forRootAsync({
          imports: [targetModule],
          inject: [DATABASE_TARGET],
          useFactory: async (target: DatabaseTarget) => ({
            ...buildDataSourceOptions(config, target),
            migrations: await loadMigrations(),
          }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            if (config.database.migrateOnStart) {
              const applied = await runMigrationsLocked(dataSource);
              if (applied.length > 0) {
                new Logger('Database').log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
              }
            }
            return dataSource;
          },
        }),
      ],
      exports: [targetModule, Sql],
    };
  }
}
