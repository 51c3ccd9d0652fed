import express from 'express';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import request from 'supertest';
import { installResponseValidation } from './openapi-validation.js';

const document = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'note'],
        properties: { id: { type: 'number' }, note: { type: 'string', nullable: true } },
      },
    },
  },
} as unknown as OpenAPIObject;

describe('response validation against the OpenAPI document', () => {
  function appReturning(status: number, body: unknown) {
    const server = express();
    const violations = installResponseValidation(server as unknown as INestApplication, document, '');
    server.get('/things/:id', (_req, res) => {
      res.status(status).json(body);
    });
    return { server, violations };
  }

  it('accepts a body that matches, nullable fields included', async () => {
    const { server, violations } = appReturning(200, { id: 1, note: null });
    await request(server).get('/things/1').expect(200);
    expect(violations).toEqual([]);
  });

  it('reports a body that does not match its schema', async () => {
    const { server, violations } = appReturning(200, { id: '1', note: 'x' });
    await request(server).get('/things/1').expect(200);
    expect(violations).toEqual([
      expect.objectContaining({
        method: 'get',
        path: '/things/{id}',
        status: 200,
        problem: expect.stringContaining('id'),
      }),
    ]);
  });

  it('reports a status the operation does not document', async () => {
    const { server, violations } = appReturning(418, { id: 1, note: null });
    await request(server).get('/things/1').expect(418);
    expect(violations).toEqual([
      expect.objectContaining({ status: 418, problem: 'status not documented for this operation' }),
    ]);
  });
});
