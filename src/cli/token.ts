import { issueSessionTokens } from '../auth/session-tokens.js';
import { parseId } from '../common/parse-id.pipe.js';
import { ConfigError, loadConfigFromProcess, type AppConfig } from '../config/config.js';
import { curlExample } from '../dev/curl-example.js';
import { fail, parseArgs, withCliDatabase } from './cli-database.js';

const USAGE = 'usage: npm run token -- --user <id> [--backoffice] [--organization <id>] [--ttl <seconds>]';

const args = parseArgs(process.argv.slice(2));
const userId = parseId(args.get('user'));
if (userId === undefined) {
  fail(USAGE);
}
const organization = args.get('organization');
const organizationId = organization === undefined ? undefined : parseId(organization);
if (organization !== undefined && organizationId === undefined) {
  fail(USAGE);
}
const ttl = args.get('ttl');
if (ttl !== undefined && (typeof ttl !== 'string' || !/^[1-9][0-9]{0,8}$/.test(ttl))) {
  fail(USAGE);
}
const ttlSeconds = ttl === undefined ? undefined : Number(ttl);

// Signing tokens needs the service's secrets, so this tool reads the whole configuration.
let config: AppConfig;
try {
  config = loadConfigFromProcess();
} catch (error) {
  fail(error instanceof ConfigError ? error.message : String(error));
}

await withCliDatabase(async (dataSource) => {
  const users: unknown[] = await dataSource.query(`SELECT 1 FROM users WHERE id = $1`, [userId]);
  if (users.length === 0) {
    fail(`No user with id ${userId} (npm run seed creates demo users).`);
  }
  const tokens = await issueSessionTokens(dataSource, config, {
    userId,
    backoffice: args.get('backoffice') === true,
    organizationId,
    ttlSeconds,
  });
  process.stdout.write(
    [
      `session id:      ${tokens.sessionId} (expires ${tokens.expiresAt.toISOString()})`,
      `Authorization:   Bearer ${tokens.bearer}`,
      `x-session-token: ${tokens.session}`,
      '',
      'Try it:',
      curlExample(config, tokens, userId),
      '',
    ].join('\n'),
  );
});
