import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';

interface RequestLine {
  requestId?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  msg?: string;
}

describe('request log: one line per request', () => {
  let t: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ LOG_LEVEL: 'info' }, { logDestination: { write: (line: string) => lines.push(line) } });
  });
  afterAll(async () => {
    await t.close();
  });

  const lineOf = (requestId: string): RequestLine[] =>
    lines
      .map((l) => JSON.parse(l) as RequestLine)
      .filter((l) => l.requestId === requestId && l.msg === 'request completed');

  it('writes the method, URL, status, duration and request id of a routed request', async () => {
    await request(t.http)
      .get('/users-organizations/v1/rs/na/1/organizations')
      .set('x-request-id', 'line-routed')
      .expect(401);
    await new Promise((resolve) => setImmediate(resolve));
    const [line, ...more] = lineOf('line-routed');
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      req: { method: 'GET', url: '/users-organizations/v1/rs/na/1/organizations' },
      res: { statusCode: 401 },
      responseTime: expect.any(Number),
    });
  });

  it('writes one for a request refused before routing too (a body that is not JSON)', async () => {
    await request(t.http)
      .post('/users-organizations/v1/rs/na/1/invite')
      .set('x-request-id', 'line-refused')
      .set('content-type', 'text/plain')
      .send('hello')
      .expect(415);
    await new Promise((resolve) => setImmediate(resolve));
    const [line, ...more] = lineOf('line-refused');
    expect(more).toEqual([]);
    expect(line).toMatchObject({ req: { method: 'POST' }, res: { statusCode: 415 } });
  });
});
