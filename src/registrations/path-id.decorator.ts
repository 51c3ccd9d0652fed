import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { Request } from 'express';
import { ParseIdPipe } from '../common/parse-id.pipe.js';

/*
 * `@Param('id', ParseIdPipe) id: number` does not work here: the global ValidationPipe
 * (transform: true) runs first and turns a `number` parameter into `+value`, so `1e3`,
 * `0x10` and ` 7` arrive as numbers and the strict pipe never sees the string. A custom
 * parameter decorator is left alone by the ValidationPipe, so ParseIdPipe parses the raw
 * path segment itself.
 */
const rawPathParam = createParamDecorator(
  (name: string, ctx: ExecutionContext): unknown => ctx.switchToHttp().getRequest<Request>().params[name],
);

/** A path id, parsed strictly from its string (400 INVALID_PATH_PARAMETER otherwise). */
export const PathId = (name: string): ParameterDecorator => rawPathParam(name, ParseIdPipe);

/** The OpenAPI description of a path id (custom parameter decorators are not documented by themselves). */
export const ApiPathId = (name: string, description: string) =>
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
        example: 1,
      },
    }),
  );
