import type { AddressInfo } from 'node:net';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/api.js';
import type { TestApp } from './test-app.js';

/**
 * A client generated from the served OpenAPI document (`npm run openapi:client` writes
 * test/generated/api.d.ts): calls that do not fit the document do not compile, and the
 * document and the server cannot drift apart unnoticed.
 */
export type ApiClient = Client<paths>;

export async function apiClient(t: TestApp): Promise<ApiClient> {
  const server = t.app.getHttpServer();
  if (!server.listening) {
    await t.app.listen(0, '127.0.0.1');
  }
  const { port } = server.address() as AddressInfo;
  const prefix = t.config.http.prefix ? `/${t.config.http.prefix}` : '';
  return createClient<paths>({ baseUrl: `http://127.0.0.1:${port}${prefix}` });
}
