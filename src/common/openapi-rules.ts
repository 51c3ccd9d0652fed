import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ApiProperty, type OpenAPIObject } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { INSTEAD_OF, insteadOfSchema } from './instead-of.decorator.js';
import { minPropertiesOf } from './min-properties.decorator.js';

/*
 * The OpenAPI document states the rules the validators enforce, read from the validators
 * themselves (class-validator's metadata), so that the two cannot drift: a DTO declares each
 * rule once, as a validator, and its `@ApiProperty` adds only words (description, example).
 */

type Facts = Record<string, unknown>;
/** A class the validation pipe builds from a request. */
type DtoClass = new (...args: never[]) => unknown;
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

/** What each class-validator rule means in JSON Schema terms; rules not listed add nothing. */
const FACTS: Record<string, (constraints: unknown[]) => Facts> = {
  isInt: () => ({ type: 'integer' }),
  isString: () => ({ type: 'string' }),
  isBoolean: () => ({ type: 'boolean' }),
  min: ([n]) => ({ minimum: n }),
  max: ([n]) => ({ maximum: n }),
  isIn: ([values]) => ({ type: typeOfAll(values as unknown[]), enum: values }),
  matches: ([pattern]) => ({ pattern: pattern instanceof RegExp ? pattern.source : String(pattern) }),
  minLength: ([n]) => ({ minLength: n }),
  maxLength: ([n]) => ({ maxLength: n }),
  arrayMinSize: ([n]) => ({ minItems: n }),
  arrayMaxSize: ([n]) => ({ maxItems: n }),
  arrayUnique: () => ({ uniqueItems: true }),
};

/** The JSON Schema type shared by an enum's values (integers are not just numbers). */
function typeOfAll(values: unknown[]): string | undefined {
  if (values.every((v) => Number.isInteger(v))) {
    return 'integer';
  }
  if (values.every((v) => typeof v === 'string')) {
    return 'string';
  }
  return undefined;
}

function rulesOf(dto: DtoClass): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
}

/** The classes the handlers take (bodies and query objects) that carry validation rules. */
function validatedParameterTypes(app: INestApplication): Set<DtoClass> {
  const found = new Set<DtoClass>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const prototype = (wrapper.metatype as Type | null)?.prototype as object | undefined;
      if (!prototype) {
        continue;
      }
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const types = (Reflect.getMetadata('design:paramtypes', prototype, name) ?? []) as unknown[];
        for (const type of types) {
          if (typeof type === 'function' && rulesOf(type as DtoClass).length > 0) {
            found.add(type as DtoClass);
          }
        }
      }
    }
  }
  return found;
}

/**
 * The class of a nested object (`@ValidateNested()` + `@Type()`), as class-transformer builds
 * it: from an empty object, or from the first item of an array of them.
 */
function nestedTypeOf(dto: DtoClass, property: string): DtoClass | undefined {
  for (const sample of [{}, [{}]]) {
    const built = (plainToInstance(dto, { [property]: sample }) as Record<string, unknown>)[property];
    const item = Array.isArray(built) ? (built[0] as unknown) : built;
    const type = (item as object | undefined)?.constructor;
    if (type && type !== Object && type !== Array) {
      return type as DtoClass;
    }
  }
  return undefined;
}

/** Every validated class reachable from the handlers' parameters, nested ones included. */
function validatedTypes(app: INestApplication): Set<DtoClass> {
  const all = new Set<DtoClass>();
  const visit = (dto: DtoClass) => {
    if (all.has(dto)) {
      return;
    }
    all.add(dto);
    for (const rule of rulesOf(dto)) {
      if (rule.type === ValidationTypes.NESTED_VALIDATION) {
        const nested = nestedTypeOf(dto, rule.propertyName);
        if (nested) {
          visit(nested);
        }
      }
    }
  };
  validatedParameterTypes(app).forEach(visit);
  return all;
}

/** Adds each validator's rule to the `@ApiProperty` of its field (items for `each` rules). */
function documentRules(dto: DtoClass): void {
  const byProperty = new Map<string, { own: Facts; items: Facts }>();
  for (const rule of rulesOf(dto)) {
    const facts = rule.name === undefined ? undefined : FACTS[rule.name]?.((rule.constraints ?? []) as unknown[]);
    if (!facts) {
      continue;
    }
    const entry = byProperty.get(rule.propertyName) ?? { own: {}, items: {} };
    Object.assign(rule.each ? entry.items : entry.own, facts);
    byProperty.set(rule.propertyName, entry);
  }
  for (const [property, { own, items }] of byProperty) {
    const facts: Facts = { ...own };
    if (Object.keys(items).length > 0) {
      Object.assign(facts, { type: 'array', isArray: false, items });
    }
    ApiProperty(facts)(dto.prototype as object, property);
  }
}

/**
 * Before the document is built: the validators' rules onto the properties of every validated
 * class (so they reach both the component schemas and the query parameters made from query
 * objects). Idempotent: the same facts are merged again on each build.
 */
export function documentValidationRules(app: INestApplication): Set<DtoClass> {
  const types = validatedTypes(app);
  types.forEach(documentRules);
  return types;
}

/**
 * After: what the global ValidationPipe enforces on every validated class (no unknown fields:
 * `whitelist` + `forbidNonWhitelisted`), each class's `@MinProperties`, and its `@InsteadOf`
 * fields (one style of body or the other).
 */
export function closeValidatedSchemas(document: OpenAPIObject, types: Set<DtoClass>): void {
  const schemas = document.components?.schemas ?? {};
  for (const dto of types) {
    const schema = schemas[dto.name] as Record<string, unknown> | undefined;
    if (!schema || '$ref' in schema) {
      continue;
    }
    schema.additionalProperties = false;
    const min = minPropertiesOf(dto);
    if (min !== undefined) {
      schema.minProperties = min;
    }
    const alternatives = rulesOf(dto)
      .filter((rule) => rule.name === INSTEAD_OF)
      .flatMap((rule) => {
        const [fields, required] = rule.constraints as [string[], boolean];
        return insteadOfSchema(rule.propertyName, fields, required);
      });
    if (alternatives.length > 0) {
      schema.allOf = alternatives;
    }
  }
}
