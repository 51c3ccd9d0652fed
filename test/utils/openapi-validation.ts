import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { NextFunction, Request, Response } from 'express';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * OpenAPI 3.0 schemas → JSON Schema: `nullable` becomes a `null` alternative. `example` is
 * dropped unless kept on purpose (the request generator falls back to it).
 */
export function toJsonSchema(schema: unknown, keepExamples = false): unknown {
  if (Array.isArray(schema)) {
    return schema.map((s) => toJsonSchema(s, keepExamples));
  }
  if (schema === null || typeof schema !== 'object') {
    return schema;
  }
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === '$ref' && typeof value === 'string') {
      converted.$ref = value.replace('#/components/schemas/', 'doc#/components/schemas/');
    } else if (key === 'examples' || (key === 'example' && !keepExamples)) {
      continue;
    } else if (key === 'example') {
      converted[key] = value;
    } else {
      converted[key] = toJsonSchema(value, keepExamples);
    }
  }
  if (nullable === true) {
    return { anyOf: [converted, { type: 'null' }] };
  }
  return converted;
}

export interface ResponseViolation {
  method: string;
  path: string;
  status: number;
  problem: string;
}

/**
 * Checks every JSON response the e2e suite receives against the served OpenAPI document: the
 * status must be documented for the operation, and the body must match its schema. Returns
 * the violations seen so far (createTestApp fails the suite on any).
 */
export function installResponseValidation(
  app: INestApplication,
  document: OpenAPIObject,
  prefix: string,
): ResponseViolation[] {
  const violations: ResponseViolation[] = [];
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'doc', components: toJsonSchema(document.components ?? {}) });
  const cache = new Map<string, ValidateFunction | null>();

  const validatorFor = (path: string, method: string, status: number): ValidateFunction | null | undefined => {
    const operation = (
      document.paths[path] as
        Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }> | undefined
    )?.[method];
    if (!operation) {
      return undefined;
    }
    const response = operation.responses?.[String(status)] ?? operation.responses?.default;
    if (!response) {
      return undefined;
    }
    const key = `${method} ${path} ${status}`;
    if (!cache.has(key)) {
      const schema = response.content?.['application/json']?.schema;
      cache.set(key, schema ? ajv.compile(toJsonSchema(schema) as object) : null);
    }
    return cache.get(key);
  };

  app.use((req: Request, res: Response, next: NextFunction) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const routePath = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof routePath === 'string' && !routePath.includes('*')) {
        const path = routePath.replace(new RegExp(`^/${prefix}(?=/)`), '').replace(/:(\w+)/g, '{$1}');
        const method = req.method.toLowerCase();
        const status = res.statusCode;
        if (document.paths[path]) {
          const validate = validatorFor(path, method, status);
          if (validate === undefined) {
            violations.push({ method, path, status, problem: 'status not documented for this operation' });
          } else if (validate && !validate(body)) {
            violations.push({ method, path, status, problem: ajv.errorsText(validate.errors) });
          }
        }
      }
      return json(body);
    };
    next();
  });
  return violations;
}
