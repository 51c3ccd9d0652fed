import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { createAdmin } from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT = 'test-artifacts/swagger-ui-invite.png';

// A person's path through Swagger UI, in a real browser. Needs Debian's chromium (.ci/run installs it);
// without it the suite says so and skips this file.
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) {
  console.warn(`Swagger UI browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

describeWithBrowser('Swagger UI in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('authorizes with both tokens, tries the seed invite, and shows 201', async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        pageErrors.push(message.text());
      }
    });

    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();

    // Authorize: the dialog offers both credentials
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor();
    const inputs = dialog.locator('input[type=text], input[type=password]');
    expect(await inputs.count()).toBe(2);
    const bearerSection = dialog.locator('.auth-container').filter({ hasText: 'bearer' }).first();
    const sessionSection = dialog.locator('.auth-container').filter({ hasText: 'x-session-token' }).first();
    await bearerSection.locator('input').fill(admin.tokens.bearer);
    await sessionSection.locator('input').fill(admin.tokens.session);
    await bearerSection.locator('button.modal-btn.auth.authorize').click();
    await sessionSection.locator('button.modal-btn.auth.authorize').click();
    expect(await dialog.locator('button.modal-btn.auth.authorize').count()).toBe(0);
    await dialog.locator('button.btn-done').first().click();

    // Try it out on the seed invite route
    const operation = page.locator('[id$="-createInviteUserOrganization"]');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('tr[data-param-name="userId"] input').fill(String(admin.userId));
    const body = operation.locator('textarea.body-param__text');
    await body.fill(
      JSON.stringify({
        email: 'swagger.person@example.com',
        scope: 2,
        permissions: { group: 0, read: [1], manage: [] },
      }),
    );
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    expect((await status.textContent())?.trim()).toBe('201');

    mkdirSync('test-artifacts', { recursive: true });
    await operation.locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOT });
    expect(pageErrors).toEqual([]);

    const rows: { status: string }[] = await t.dataSource.query(
      `SELECT uo.status FROM user_organizations uo JOIN users u ON u.id = uo.user_id
        WHERE lower(u.email) = 'swagger.person@example.com' AND uo.organization_id = $1`,
      [admin.organizationId],
    );
    expect(rows).toEqual([{ status: 'invited' }]);
  }, 60_000);
});
