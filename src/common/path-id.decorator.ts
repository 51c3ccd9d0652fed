import { applyDecorators, Param } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@nestjs/swagger';
import { ParseIdPipe } from './parse-id.pipe.js';

/**
 * A path id, parsed strictly from its string (400 VALIDATION_FAILED naming `path.<name>`
 * otherwise). The global ValidationPipe leaves parameters as strings (see validation.ts), so
 * ParseIdPipe sees what the client sent.
 */
export const PathId = (name: string): ParameterDecorator => Param(name, ParseIdPipe);

/** What ParseIdPipe takes: an int64 in the safe-integer range (plain `@Param` says only `number`). */
export const ID_SCHEMA = {
  type: 'integer',
  format: 'int64',
  minimum: Number.MIN_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
} as const;

/** Documents a path id as what it is. */
export const ApiPathId = (name: string, description: string, example = 1) =>
  applyDecorators(ApiParam({ name, description, required: true, schema: { ...ID_SCHEMA, example } }));

/** Documents an optional query id read with ParseOptionalIdPipe. */
export const ApiQueryId = (name: string, description: string, example = 1) =>
  applyDecorators(ApiQuery({ name, description, required: false, schema: { ...ID_SCHEMA, example } }));
