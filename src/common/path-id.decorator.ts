import { applyDecorators, Param } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ParseIdPipe } from './parse-id.pipe.js';

/**
 * A path id, parsed strictly from its string (400 INVALID_PATH_PARAMETER otherwise). The
 * global ValidationPipe leaves parameters as strings (see validation.ts), so ParseIdPipe sees
 * what the client sent.
 */
export const PathId = (name: string): ParameterDecorator => Param(name, ParseIdPipe);

/** Documents a path id as what it is: an int64 in the safe-integer range (plain `@Param` says only `number`). */
export const ApiPathId = (name: string, description: string, example = 1) =>
  applyDecorators(
    ApiParam({
      name,
      description,
      required: true,
      schema: {
        type: 'integer',
        format: 'int64',
        minimum: Number.MIN_SAFE_INTEGER,
        maximum: Number.MAX_SAFE_INTEGER,
        example,
      },
    }),
  );
