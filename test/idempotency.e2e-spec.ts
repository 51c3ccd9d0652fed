import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { Authenticated } from '../src/auth/auth.decorators.js';
import { authHeaders, countRows, createUser, tokensFor } from './utils/fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

class ProbeBody {
  @IsString()
  @MaxLength(100)
  name!: string;
}

/** A write that takes a moment, so a second request can arrive while it runs. */
@Controller('probe-idempotent')
class IdempotentProbeController {
  constructor(private readonly dataSource: DataSource) {}

  @Post()
  @Authenticated()
  @ApiCreatedResponse({ description: 'Created an organization' })
  async create(@Body() body: ProbeBody): Promise<{ id: number; name: string }> {
    await new Promise((r) => setTimeout(r, 150));
    const rows: { id: number }[] = await this.dataSource.query(
      `INSERT INTO organizations (name) VALUES ($1) RETURNING id`,
      [body.name],
    );
    return { id: Number(rows[0].id), name: body.name };
  }
}

describe('Idempotency-Key', () => {
  let t: TestApp;
  let headers: Record<string, string>;
  let otherHeaders: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({}, { controllers: [IdempotentProbeController] });
    headers = authHeaders(await tokensFor(t.dataSource, t.config, await createUser(t.dataSource)));
    otherHeaders = authHeaders(await tokensFor(t.dataSource, t.config, await createUser(t.dataSource)));
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (key: string | undefined, name: string, h = headers) => {
    const req = request(t.http).post('/probe-idempotent').set(h);
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send({ name });
  };
  const organizations = (name: string) => countRows(t.dataSource, 'organizations', 'name = $1', [name]);

  it('replays the first response for the same key and body, writing once', async () => {
    const first = await post('key-1', 'replayed').expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await post('key-1', 'replayed').expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await organizations('replayed')).toBe(1);
  });

  it('refuses the same key with another body with 422', async () => {
    await post('key-2', 'first body').expect(201);
    const res = await post('key-2', 'second body').expect(422);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await organizations('second body')).toBe(0);
  });

  it('answers 409 while the first request with the key is still running', async () => {
    const [a, b] = await Promise.all([
      post('key-3', 'concurrent'),
      new Promise((r) => setTimeout(r, 40)).then(() => post('key-3', 'concurrent')),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect((a.status === 409 ? a : b).body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(await organizations('concurrent')).toBe(1);
  });

  it('scopes keys to the caller', async () => {
    await post('shared-key', 'caller one').expect(201);
    const other = await post('shared-key', 'caller two', otherHeaders).expect(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await organizations('caller two')).toBe(1);
  });

  it('releases the key when the request fails, so a corrected retry runs', async () => {
    await request(t.http)
      .post('/probe-idempotent')
      .set(headers)
      .set('Idempotency-Key', 'key-4')
      .send({ name: 7 })
      .expect(400);
    await request(t.http)
      .post('/probe-idempotent')
      .set(headers)
      .set('Idempotency-Key', 'key-4')
      .send({ name: 7 })
      .expect(400);
    await post('key-4', 'after failure').expect(201);
  });

  it('refuses a malformed key with 400', async () => {
    const res = await post('x'.repeat(256), 'too long key').expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'header.Idempotency-Key' }] });
  });

  it('writes every time without a key', async () => {
    await post(undefined, 'no key').expect(201);
    await post(undefined, 'no key').expect(201);
    expect(await organizations('no key')).toBe(2);
  });

  it('treats a key older than 24 hours as new', async () => {
    await post('key-5', 'old').expect(201);
    await t.dataSource.query(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-5'`,
    );
    const again = await post('key-5', 'old').expect(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await organizations('old')).toBe(2);
  });
});
