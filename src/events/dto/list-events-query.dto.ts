import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { idFromQuery, intFromQuery } from '../../memberships/dto/query-values.js';

export const DEFAULT_EVENTS_PAGE_SIZE = 100;
export const MAX_EVENTS_PAGE_SIZE = 500;

/** One or more types, comma-separated; linear (no nested quantifiers that can backtrack). */
const TYPES = /^[a-z][a-z0-9_.]{0,63}(?:,[a-z][a-z0-9_.]{0,63}){0,29}$/;

export class ListEventsQueryDto {
  @ApiPropertyOptional({
    description: 'A `nextCursor` from an earlier read; without it the feed starts at the oldest event',
    example: 'ZTE6NzQ4OjEwNDI',
    maxLength: 80,
  })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  after?: string;

  @ApiPropertyOptional({
    description: 'Only these event types, comma-separated (e.g. `invitation.accepted,membership.removed`)',
    example: 'invitation.accepted,membership.removed',
    maxLength: 1950,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1950)
  @Matches(TYPES, { message: 'types must be event types separated by commas, e.g. membership.updated' })
  types?: string;

  @ApiPropertyOptional({
    description: 'Only events of this organization',
    type: 'integer',
    minimum: Number.MIN_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1,
  })
  @Transform(idFromQuery)
  @IsOptional()
  @IsSafeInt()
  organizationId?: number;

  @ApiPropertyOptional({
    description: `Page size, 1 to ${MAX_EVENTS_PAGE_SIZE}`,
    type: 'integer',
    minimum: 1,
    maximum: MAX_EVENTS_PAGE_SIZE,
    default: DEFAULT_EVENTS_PAGE_SIZE,
    example: 100,
  })
  @Transform(intFromQuery)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_EVENTS_PAGE_SIZE)
  limit?: number;
}
