import type { OpenAPIObject } from '@nestjs/swagger';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { createGeneratorSync } from 'json-schema-faker';
import { toJsonSchema } from './openapi-validation.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/*
 * Requests generated from the OpenAPI document alone, as an API fuzzer makes them: valid ones
 * (every value drawn from its schema by json-schema-faker and checked against that schema by
 * Ajv) and ones that break exactly one documented rule (a wrong type, a bound, a pattern, an
 * enum, an unknown or missing field, too many items, an empty PATCH, a malformed header).
 */

export type Schema = Record<string, unknown>;
export type Location = 'path' | 'query' | 'header';

export interface Parameter {
  name: string;
  in: Location;
  required: boolean;
  schema: Schema;
}

export interface Link {
  name: string;
  operationId: string;
  parameters: Record<string, string>;
  requestBody?: unknown;
}

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  parameters: Parameter[];
  body?: Schema;
  bodyRequired: boolean;
  /** Response status → links out of it. */
  links: Record<string, Link[]>;
}

export interface GeneratedRequest {
  params: Record<Location, Record<string, string>>;
  body?: unknown;
  hasBody: boolean;
}

export interface BrokenRequest extends GeneratedRequest {
  /** The rule broken, for the failure message. */
  rule: string;
  /** Where the refusal must point: `path.userId`, `query.limit`, `header.If-Match`, `permissions.read`... */
  at: string;
  /** The code of the refusal (VALIDATION_FAILED unless the document names another). */
  code: string;
}

/** A seeded PRNG (mulberry32): the same seed gives the same requests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export class RequestGenerator {
  readonly operations: Operation[];
  private readonly defs: Record<string, unknown>;
  private readonly ajv: Ajv;
  private readonly validators = new Map<Schema, ValidateFunction>();
  private readonly jsf: { generate(schema: Schema): unknown };
  /** Every optional field and at least one item per array: the base of body mutations. */
  private readonly jsfFull: { generate(schema: Schema): unknown };
  private readonly random: () => number;
  /** Values that could not be drawn from their schema in a few tries (the example is used). */
  fallbacks = 0;

  constructor(
    private readonly document: OpenAPIObject,
    seed: number,
  ) {
    this.random = seededRandom(seed);
    this.defs = toJsonSchema(document.components?.schemas ?? {}, true) as Record<string, unknown>;
    this.ajv = new Ajv({ strict: false, allErrors: false });
    addFormats(this.ajv);
    this.jsf = createGeneratorSync({ seed, maxItems: 4, optionalsProbability: 0.5, maxDepth: 6 });
    this.jsfFull = createGeneratorSync({
      seed: (seed ^ 0x5bd1e995) >>> 0,
      minItems: 1,
      maxItems: 3,
      alwaysFakeOptionals: true,
    });
    this.operations = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op?.operationId) {
          continue;
        }
        const body = op.requestBody && 'content' in op.requestBody ? op.requestBody : undefined;
        const bodySchema = body?.content['application/json']?.schema;
        this.operations.push({
          method,
          path,
          operationId: op.operationId,
          parameters: (op.parameters ?? []).map((p) => {
            const param = p as { name: string; in: Location; required?: boolean; schema?: unknown };
            return {
              name: param.name,
              in: param.in,
              required: param.required === true,
              schema: this.resolve(toJsonSchema(param.schema ?? {}, true)),
            };
          }),
          body: bodySchema ? this.resolve(toJsonSchema(bodySchema, true)) : undefined,
          bodyRequired: body?.required === true,
          links: Object.fromEntries(
            Object.entries(op.responses).map(([status, response]) => [
              status,
              Object.entries((response as { links?: Record<string, Omit<Link, 'name'>> }).links ?? {}).map(
                ([name, link]) => ({ name, ...link }),
              ),
            ]),
          ),
        });
      }
    }
  }

  /** `$ref`s inlined (the document has no recursive schemas), `allOf` of one merged. */
  resolve(schema: unknown): Schema {
    if (Array.isArray(schema)) {
      return schema.map((s) => this.resolve(s)) as unknown as Schema;
    }
    if (schema === null || typeof schema !== 'object') {
      return schema as Schema;
    }
    const { $ref, allOf, ...rest } = schema as Schema;
    let merged: Schema = {};
    if (typeof $ref === 'string') {
      merged = this.resolve(this.defs[$ref.replace('doc#/components/schemas/', '')]);
    }
    if (Array.isArray(allOf) && allOf.length === 1) {
      merged = { ...merged, ...this.resolve(allOf[0]) };
    } else if (allOf !== undefined) {
      rest.allOf = allOf;
    }
    for (const [key, value] of Object.entries(rest)) {
      merged[key] =
        key === 'properties' ? this.resolveProperties(value as Record<string, unknown>) : this.resolve(value);
    }
    return merged;
  }

  private resolveProperties(properties: Record<string, unknown>): Schema {
    return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, this.resolve(v)]));
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  valid(schema: Schema, value: unknown): boolean {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.validators.set(schema, validate);
    }
    return validate(value);
  }

  /** A value of the schema, checked against it. */
  draw(schema: Schema, full = false): unknown {
    for (let attempt = 0; attempt < 32; attempt++) {
      let value: unknown;
      try {
        value = (full ? this.jsfFull : this.jsf).generate(schema);
      } catch {
        // json-schema-faker gives up on some draws (minProperties with only optional fields); draw again
        continue;
      }
      if (value !== undefined && this.valid(schema, value)) {
        return value;
      }
    }
    if (full) {
      // every optional property at once may be what the schema forbids (one style of body or
      // the other): a usual draw then
      return this.draw(schema, false);
    }
    this.fallbacks++;
    const example = exampleOf(schema);
    if (example === undefined || !this.valid(schema, example)) {
      throw new Error(`No valid value could be drawn from ${JSON.stringify(schema)}`);
    }
    return example;
  }

  /**
   * A valid request: every required parameter and about half the optional ones, drawn from
   * their schemas; `fixed` values (ids of real rows, values that only the service makes) win.
   */
  validRequest(op: Operation, fixed: Partial<Record<Location, Record<string, string | undefined>>> = {}) {
    const request: GeneratedRequest = { params: { path: {}, query: {}, header: {} }, hasBody: false };
    for (const p of op.parameters) {
      const given = fixed[p.in];
      if (given && p.name in given) {
        const value = given[p.name];
        if (value !== undefined) {
          request.params[p.in][p.name] = value;
        }
        continue;
      }
      if (p.required || this.chance(0.5)) {
        request.params[p.in][p.name] = serialize(this.draw(p.schema));
      }
    }
    if (op.body && (op.bodyRequired || this.chance(0.8))) {
      request.body = this.draw(op.body);
      request.hasBody = true;
    }
    return request;
  }

  /** Requests that each break one documented rule of the operation, built on valid ones. */
  brokenRequests(op: Operation, base: () => GeneratedRequest): BrokenRequest[] {
    const broken: BrokenRequest[] = [];
    for (const p of op.parameters) {
      for (const [rule, value] of this.badStrings(p.schema, p.in)) {
        const request = base();
        request.params[p.in][p.name] = value;
        broken.push({
          ...request,
          rule: `${p.in} ${p.name}: ${rule}`,
          at: `${p.in}.${p.name}`,
          code: 'VALIDATION_FAILED',
        });
      }
    }
    if (op.body) {
      const bodySchema = op.body;
      if (op.bodyRequired) {
        // without a body, the fields are missing: the first required one, or nothing to update
        const code = typeof bodySchema.minProperties === 'number' ? 'NOTHING_TO_UPDATE' : 'VALIDATION_FAILED';
        broken.push({ ...base(), body: undefined, hasBody: false, rule: 'no body', at: '', code });
      }
      const mutate = (schema: Schema, path: string[]): void => {
        for (const mutation of this.badValues(schema, path.length === 0)) {
          const request = base();
          const body = this.draw(bodySchema, true);
          if (!hasPath(body, path.slice(0, -1))) {
            continue;
          }
          const mutated = setAt(body, path, mutation.value, mutation.remove);
          broken.push({
            ...request,
            body: mutated,
            hasBody: true,
            rule: `body ${path.join('.') || '(root)'}: ${mutation.rule}`,
            at: [...path, ...(mutation.at ?? [])].join('.'),
            code: mutation.code ?? 'VALIDATION_FAILED',
          });
        }
        if (schema.type === 'object' && schema.properties) {
          for (const [name, child] of Object.entries(schema.properties as Record<string, Schema>)) {
            mutate(child, [...path, name]);
          }
        }
        if (schema.type === 'array' && schema.items) {
          mutate(schema.items as Schema, [...path, '0']);
        }
      };
      mutate(bodySchema, []);
    }
    return broken;
  }

  /** Strings a parameter of this schema must refuse. */
  private badStrings(schema: Schema, location: Location): [string, string][] {
    const bad: [string, string][] = [];
    const type = schema.type;
    if (type === 'integer' || type === 'number') {
      bad.push(['not a number', 'abc'], ['a decimal', '1.5'], ['an exponent', '1e3']);
      if (typeof schema.minimum === 'number') {
        bad.push(['below minimum', (BigInt(schema.minimum) - 1n).toString()]);
      }
      if (typeof schema.maximum === 'number') {
        bad.push(['above maximum', (BigInt(schema.maximum) + 1n).toString()]);
      }
    }
    if (type === 'boolean') {
      bad.push(['not a boolean', 'yes']);
    }
    if (Array.isArray(schema.enum)) {
      bad.push(['not one of the enum', type === 'integer' ? '3' : 'unknown-value']);
    }
    if (type === 'string') {
      bad.push(...this.badStringValues(schema, location));
    }
    return bad.filter(([, value]) => !this.valid(schema, coerce(schema, value)));
  }

  private badStringValues(schema: Schema, location: Location): [string, string][] {
    const bad: [string, string][] = [];
    if (typeof schema.maxLength === 'number') {
      bad.push(['longer than maxLength', 'a'.repeat(schema.maxLength + 1)]);
    }
    if (typeof schema.minLength === 'number' && schema.minLength > 0) {
      bad.push(['shorter than minLength', ''.padEnd(schema.minLength - 1, 'a')]);
    }
    if (typeof schema.pattern === 'string') {
      const pattern = new RegExp(schema.pattern, 'u');
      // header values stay within what an HTTP client can send (visible ASCII and spaces)
      const candidates = ['a b', '!', '"1', 'W/"1"', '1', '-', '..', 'x'.repeat(300), '', '%', 'A'];
      const mismatch = candidates.find((c) => !pattern.test(c) && (location !== 'header' || c.length > 0));
      if (mismatch !== undefined) {
        bad.push(['does not match the pattern', mismatch]);
      }
    }
    return bad;
  }

  /** Values a body field of this schema must refuse. */
  private badValues(
    schema: Schema,
    root: boolean,
  ): { rule: string; value?: unknown; remove?: boolean; at?: string[]; code?: string }[] {
    const bad: { rule: string; value?: unknown; remove?: boolean; at?: string[]; code?: string }[] = [];
    const nullable = Array.isArray(schema.anyOf) && schema.anyOf.some((s) => (s as Schema).type === 'null');
    const own = nullable ? ((schema.anyOf as Schema[]).find((s) => s.type !== 'null') ?? {}) : schema;
    if (nullable) {
      return this.badValues(own, root).filter((m) => m.value !== null);
    }
    if (!root) {
      bad.push({ rule: 'null', value: null });
    }
    switch (own.type) {
      case 'integer':
        bad.push({ rule: 'a decimal', value: 1.5 }, { rule: 'a string', value: '1' });
        if (typeof own.minimum === 'number') {
          bad.push({ rule: 'below minimum', value: own.minimum - 1 });
        }
        if (typeof own.maximum === 'number') {
          bad.push({ rule: 'above maximum', value: own.maximum + 1 });
        }
        break;
      case 'number':
        bad.push({ rule: 'a string', value: '1' });
        break;
      case 'boolean':
        bad.push({ rule: 'a string', value: 'true' });
        break;
      case 'string':
        bad.push({ rule: 'a number', value: 42 });
        for (const [rule, value] of this.badStringValues(own, 'query')) {
          bad.push({ rule, value });
        }
        break;
      case 'array':
        bad.push({ rule: 'an object', value: { 0: 1 } });
        if (typeof own.maxItems === 'number' && own.items) {
          const item = this.draw(own.items as Schema);
          bad.push({ rule: 'more than maxItems', value: Array.from({ length: own.maxItems + 1 }, () => item) });
        }
        break;
      case 'object':
        if (!root) {
          bad.push({ rule: 'an array', value: [] });
        }
        if (own.additionalProperties === false) {
          bad.push({ rule: 'an unknown property', value: { unexpectedField: 1 }, at: ['unexpectedField'] });
        }
        for (const name of (own.required ?? []) as string[]) {
          bad.push({ rule: `without required ${name}`, value: { [name]: undefined }, at: [name] });
        }
        if (root && typeof own.minProperties === 'number' && own.minProperties > 0) {
          bad.push({ rule: 'fewer than minProperties', value: {}, remove: true, code: 'NOTHING_TO_UPDATE' });
        }
        break;
      default:
        break;
    }
    if (Array.isArray(own.enum)) {
      bad.push({ rule: 'not one of the enum', value: own.type === 'integer' ? 3 : 'unknown-value' });
    }
    return bad;
  }
}

/** `{ unexpectedField }` and `{ name: undefined }` patch the object in place; other values replace. */
function setAt(body: unknown, path: string[], value: unknown, replaceWhole?: boolean): unknown {
  const apply = (current: unknown): unknown => {
    if (replaceWhole) {
      return value;
    }
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current) &&
      Object.keys(value).length === 1 &&
      ('unexpectedField' in value || Object.values(value)[0] === undefined)
    ) {
      const [key] = Object.keys(value);
      const copy = { ...(current as Record<string, unknown>) };
      if ((value as Record<string, unknown>)[key] === undefined) {
        delete copy[key];
      } else {
        copy[key] = (value as Record<string, unknown>)[key];
      }
      return copy;
    }
    return value;
  };
  if (path.length === 0) {
    return apply(body);
  }
  const root = structuredClone(body) as Record<string, unknown>;
  let node: Record<string, unknown> = root;
  for (const key of path.slice(0, -1)) {
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  node[last] = apply(node[last]);
  return root;
}

function hasPath(body: unknown, path: string[]): boolean {
  let node = body;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !(key in node)) {
      return false;
    }
    node = (node as Record<string, unknown>)[key];
  }
  return node !== null && typeof node === 'object';
}

function exampleOf(schema: Schema): unknown {
  if (schema.example !== undefined) {
    return schema.example;
  }
  if (Array.isArray(schema.anyOf)) {
    return exampleOf(schema.anyOf[0] as Schema);
  }
  return undefined;
}

function serialize(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A parameter string as the schema's type reads it (to tell whether the schema refuses it). */
function coerce(schema: Schema, value: string): unknown {
  if (schema.type === 'integer' || schema.type === 'number') {
    return /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/.test(value) ? Number(value) : value;
  }
  if (schema.type === 'boolean') {
    return value === 'true' ? true : value === 'false' ? false : value;
  }
  return value;
}
