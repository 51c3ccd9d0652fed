import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDetail {
  @ApiProperty({
    description:
      'The offending body field (`permissions.read.0`), or parameter by location and name (`path.userId`, `query.limit`, `header.If-Match`)',
    example: 'permissions.read.0',
  })
  path!: string;

  @ApiProperty({ description: 'What is wrong with it', example: 'must be an integer' })
  message!: string;
}

/** The body of every error response: `{ error, code, details?, requestId }`. */
export class ErrorBody {
  @ApiProperty({ description: 'Human-readable message', example: 'Validation failed' })
  error!: string;

  @ApiProperty({ description: 'Stable machine-readable code', example: 'VALIDATION_FAILED' })
  code!: string;

  @ApiPropertyOptional({ type: [ErrorDetail], description: 'One entry per offending field (validation errors)' })
  details?: ErrorDetail[];

  @ApiProperty({
    description: 'The request id, also in the x-request-id header',
    example: '0f4c2a52-2c4e-4b8e-9a55-6c2c1bb4b1f3',
  })
  requestId!: string;
}

/** What services put in an HttpException: `new ConflictException(errorBody('...', Code.X))`. */
export function errorBody(error: string, code: string, extra?: Record<string, unknown>) {
  return { error, code, ...extra };
}
