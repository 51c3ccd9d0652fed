import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import { createAdmin, uniqueEmail } from './utils/fixtures.js';
import { startSmtpServer, type TestSmtpServer } from './utils/smtp-test-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT = 'test-artifacts/invitation-accept-page.png';

// The invitee's path from a real email to the accept page, in a real browser. Needs Debian's chromium
// (.ci/run installs it); without it the suite says so and skips this file.
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) {
  console.warn(`Accept page browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

describeWithBrowser('the accept page in a browser, from a received invitation email', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    // INVITATION_ACCEPT_URL left at its default: the service's own page
    t = await createTestApp({ SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: '500' });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.close();
  });

  it("opens the email's link and shows the organization, role, inviter, expiry and how to accept", async () => {
    const admin = await createAdmin(t.dataSource, t.config);
    const [{ name: orgName }] = await t.dataSource.query(`SELECT name FROM organizations WHERE id = $1`, [
      admin.organizationId,
    ]);
    const email = uniqueEmail('browser');
    await request(t.http)
      .post(`/users-organizations/v1/rs/na/${admin.userId}/invite`)
      .set(admin.headers)
      .send({ email, scope: 1, permissions: { group: 0, read: [], manage: [] } })
      .expect(201);
    const mail = await smtp.waitFor(email);
    const link = /https?:\/\/[^\s"<>]+\/invitations\/accept\?token=[A-Za-z0-9_-]{43}/.exec(mail.raw)?.[0];
    // the default link points at this page on the service's own port; the test's instance listens elsewhere
    expect(link).toMatch(/^http:\/\/localhost:3000\/invitations\/accept\?token=/);
    const url = new URL(link!);

    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(message.text()); // a CSP violation would show here
      }
    });
    const response = await page.goto(`${base}${url.pathname}${url.search}`);
    expect(response?.status()).toBe(200);
    expect((await page.locator('#organization').textContent())?.trim()).toBe(orgName);
    expect((await page.locator('#role').textContent())?.trim()).toBe('Admin');
    expect(await page.locator('#inviter').textContent()).toMatch(/^.\*\*\*@example\.com$/);
    expect(await page.locator('#state').textContent()).toBe('pending');
    expect(await page.locator('h2').textContent()).toBe('How to accept');
    expect(await page.title()).toBe(`You are invited to join ${orgName}`);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);

    // an unknown link is a page too, not JSON
    const unknown = await page.goto(`${base}/invitations/accept?token=${'A'.repeat(43)}`);
    expect(unknown?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('This invitation link is not valid');
    await page.close();
  }, 60_000);
});
