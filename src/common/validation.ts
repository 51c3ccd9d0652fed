import { BadRequestException, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CommonErrorCode } from './error-codes.js';
import { errorBody } from './error-body.js';
import { locationOf } from './invalid-parameter.js';
import { refuseTooFewProperties } from './min-properties.decorator.js';

export interface ValidationDetail {
  path: string;
  message: string;
}

function flatten(errors: ValidationError[], parent = ''): ValidationDetail[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/**
 * `transform: true` also makes ValidationPipe convert `number`/`boolean` path and query
 * parameters with `+value` before the parameter's own pipe runs, so `ParseIdPipe` would only
 * ever see numbers (`1e3`, `+5`, `5.0`, ` 7` already turned into integers, and every id
 * refused because it is no longer a string). Parameters reach their pipes as the strings
 * they came as; DTO bodies are still transformed.
 */
class StrictValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    return super.transform(value, metadata).then(
      (valid) => refuseTooFewProperties(valid, metadata.metatype),
      (error: unknown) => {
        throw withLocation(error, metadata);
      },
    );
  }
}

/**
 * A query (or path) DTO's errors name their fields as any other malformed parameter does
 * (`query.limit`); body fields keep their plain paths. The exception factory cannot know
 * where its DTO came from, so the paths are completed here.
 */
function withLocation(error: unknown, metadata: ArgumentMetadata): unknown {
  const location = locationOf(metadata);
  if (!location || !(error instanceof ValidationFailed)) {
    return error;
  }
  const details = error.details.map((d) => ({ ...d, path: `${location}.${d.path}` }));
  return new ValidationFailed(details);
}

class ValidationFailed extends BadRequestException {
  constructor(readonly details: ValidationDetail[]) {
    super(
      errorBody(
        details.length === 1 ? `Validation failed: ${details[0].path} ${trimName(details[0])}` : 'Validation failed',
        CommonErrorCode.VALIDATION_FAILED,
        { details },
      ),
    );
  }
}

/**
 * Whitelist, forbid unknown fields, and no implicit conversion: a JSON `"1"` is not the
 * number 1.
 */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationFailed(flatten(errors)),
  });
}

/**
 * Validates one object against a DTO class exactly as the global pipe validates a body, for
 * bodies that carry several independently judged items (a bulk request): the details of its
 * failures with their paths under `parent` (e.g. `invitations[3]`), and the DTO instance
 * when it passed.
 */
export async function validateAs<T extends object>(
  cls: new () => T,
  value: unknown,
  parent: string,
): Promise<{ value: T; details?: undefined } | { value?: undefined; details: ValidationDetail[] }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { details: [{ path: parent, message: 'must be an object' }] };
  }
  const instance = plainToInstance(cls, value, { enableImplicitConversion: false });
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    stopAtFirstError: false,
  });
  return errors.length === 0 ? { value: instance } : { details: flatten(errors, parent) };
}

function trimName(d: { path: string; message: string }): string {
  const name = d.path.split('.').pop() ?? '';
  return d.message.startsWith(`${name} `) ? d.message.slice(name.length + 1) : d.message;
}
