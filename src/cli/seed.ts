import { seedDemoData } from '../dev/demo-data.js';
import { withCliDatabase } from './cli-database.js';

await withCliDatabase(async (dataSource) => {
  const demo = await seedDemoData(dataSource);
  process.stdout.write(
    [
      `${demo.created ? 'Created' : 'Found'} the demo data:`,
      `  organization ${demo.organizationId} "Demo Organization"`,
      `  ADMIN        user ${demo.adminId} (admin@demo.example)`,
      `  MEMBER       user ${demo.memberId} (member@demo.example)`,
      `  backoffice   user ${demo.backofficeId} (backoffice@demo.example)`,
      '',
      `Tokens: npm run token -- --user ${demo.adminId} --organization ${demo.organizationId}`,
      `        npm run token -- --user ${demo.backofficeId} --backoffice`,
      '',
    ].join('\n'),
  );
});
