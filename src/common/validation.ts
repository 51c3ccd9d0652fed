import {
  BadRequestException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { CommonErrorCode } from './error-codes.js';
import { errorBody } from './error-body.js';
import { locationOf } from './invalid-parameter.js';
import { refuseTooFewProperties } from './min-properties.decorator.js';

function flatten(errors: ValidationError[], parent = ''): { path: string; message: string }[] {
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
  constructor(
    options: ValidationPipeOptions,
    private readonly fastPaths: boolean,
  ) {
    super(options);
  }

  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const fast = (metadata.metatype as Partial<FastValidated> | undefined)?.acceptFast;
    if (this.fastPaths && metadata.type === 'body' && typeof fast === 'function') {
      const accepted = fast.call(metadata.metatype, value);
      if (accepted !== undefined) {
        return accepted;
      }
    }
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
  constructor(readonly details: { path: string; message: string }[]) {
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
 * A body DTO of a hot path can recognise its usual, valid bodies by hand and build itself
 * from them, skipping class-transformer and class-validator (~6 % of the CPU of an invite,
 * issue #7). `acceptFast` must accept only what the DTO's decorators accept (its spec checks
 * both on the same bodies); anything else it leaves to them (undefined), so every refusal
 * still comes with their messages.
 */
export interface FastValidated {
  acceptFast(value: unknown): object | undefined;
}

/** A plain JSON object (what the body parser makes), with exactly the keys allowed and the required ones. */
export function hasOnlyKeys(value: unknown, required: readonly string[], optional: readonly string[] = []): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return false;
  }
  const keys = Object.keys(value);
  let present = 0;
  for (const key of keys) {
    if (required.includes(key)) {
      present++;
    } else if (!optional.includes(key)) {
      return false;
    }
  }
  return present === required.length;
}

/** An array (without gaps) of at most `max` safe integers. */
export function isSafeIntList(value: unknown, max: number): value is number[] {
  if (!Array.isArray(value) || value.length > max) {
    return false;
  }
  for (let i = 0; i < value.length; i++) {
    if (!(i in value) || !Number.isSafeInteger(value[i])) {
      return false;
    }
  }
  return true;
}

/**
 * Whitelist, forbid unknown fields, and no implicit conversion: a JSON `"1"` is not the
 * number 1 (implicit conversion turns `"1"`, `true` and `" 2 "` into valid numbers).
 */
export function createValidationPipe({ fastPaths = true }: { fastPaths?: boolean } = {}): ValidationPipe {
  return new StrictValidationPipe(
    {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      stopAtFirstError: false,
      exceptionFactory: (errors) => new ValidationFailed(flatten(errors)),
    },
    fastPaths,
  );
}

function trimName(d: { path: string; message: string }): string {
  const name = d.path.split('.').pop() ?? '';
  return d.message.startsWith(`${name} `) ? d.message.slice(name.length + 1) : d.message;
}
