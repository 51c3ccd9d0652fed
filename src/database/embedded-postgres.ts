import { mkdirSync } from 'node:fs';

export interface EmbeddedPostgres {
  /** A `postgres://` URL for the ordinary `pg` driver. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly) and serves it on a loopback port, so
 * the app reaches it through the same `pg` driver and code path as a real PostgreSQL.
 * `dataDir` is a folder, or `memory://` for a throwaway database.
 *
 * The socket server admits a few connections (the app's pool of one, plus a CLI such as
 * `npm run token` while the service runs); PGlite itself runs one query at a time and
 * the server keeps a transaction's statements together.
 */
export async function startEmbeddedPostgres(dataDir: string, port = 0): Promise<EmbeddedPostgres> {
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
  }
  // Loaded only here: a service with DATABASE_URL never needs them.
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 8 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const url = `postgres://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
