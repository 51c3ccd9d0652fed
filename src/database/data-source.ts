import { DataSource } from 'typeorm';
import { loadDatabaseConfigFromProcess } from '../config/config.js';
import { buildDataSourceOptions } from './typeorm-options.js';

// The migration CLI's data source (`npm run migration:*`): always a real PostgreSQL, and only
// the database settings are read, so DATABASE_URL is all it needs.
const database = loadDatabaseConfigFromProcess();
if (!database.url) {
  throw new Error('The migration commands need DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).');
}

export default new DataSource(buildDataSourceOptions({ database }, { url: database.url, poolMax: 2 }));
