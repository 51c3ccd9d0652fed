import { applyDecorators } from '@nestjs/common';
import { IsInt, Max, Min } from 'class-validator';

/** `@IsInt()` has no bound (2^53+2 and 1e300 pass); this one does. */
export const IsSafeInt = (options?: { each?: boolean }) =>
  applyDecorators(
    IsInt({ each: options?.each }),
    Min(Number.MIN_SAFE_INTEGER, { each: options?.each }),
    Max(Number.MAX_SAFE_INTEGER, { each: options?.each }),
  );
