import { revokeSession } from '../auth/session-tokens.js';
import { fail, withCliDatabase } from './cli-database.js';

const sessionId = process.argv[2];
if (!sessionId || sessionId.startsWith('--')) {
  fail('usage: npm run session:revoke -- <sessionId>');
}

await withCliDatabase(async (dataSource) => {
  const revoked = await revokeSession(dataSource, sessionId);
  if (!revoked) {
    fail(`No live session ${sessionId}.`);
  }
  process.stdout.write(`Session ${sessionId} revoked; its tokens are refused from now on.\n`);
});
