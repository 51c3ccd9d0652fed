import type { EmbeddedPostgres } from './embedded-postgres.js';
import type { ConnectionTarget } from './typeorm-options.js';

/** Which database the app talks to (DATABASE_URL, or the embedded PGlite it started). */
export const DATABASE_TARGET = Symbol('DATABASE_TARGET');

export interface DatabaseTarget extends ConnectionTarget {
  embedded?: EmbeddedPostgres;
  /** The embedded database's folder, when it keeps its data on disk. */
  dataDir?: string;
}
