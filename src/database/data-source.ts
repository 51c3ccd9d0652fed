import { DataSource } from 'typeorm';
import { loadConfigFromProcess } from '../config/config.js';
import { buildDataSourceOptions } from './typeorm-options.js';

// The migration CLI's data source (`npm run migration:*`): always a real PostgreSQL.
const config = loadConfigFromProcess();
if (!config.database.url) {
  throw new Error('The migration commands need DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).');
}

export default new DataSource(buildDataSourceOptions(config, { url: config.database.url, poolMax: 2 }));
