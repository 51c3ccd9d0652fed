import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { idFromQuery } from './query-values.js';

export const ORGANIZATION_ID_QUERY_DESCRIPTION =
  "The organization to act on. Default: the session token's organizationId, else the caller's only " +
  'organization where it is an active ADMIN (400 when it administers several).';

/** `?organizationId=` of the `rs` member routes. */
export class OrganizationQueryDto {
  @ApiPropertyOptional({
    description: ORGANIZATION_ID_QUERY_DESCRIPTION,
    type: 'integer',
    minimum: Number.MIN_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1,
  })
  @Transform(idFromQuery)
  @IsOptional()
  @IsSafeInt()
  organizationId?: number;
}
