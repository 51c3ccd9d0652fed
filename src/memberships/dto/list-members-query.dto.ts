import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { ListMembershipsQueryDto } from './list-memberships-query.dto.js';
import { ORGANIZATION_ID_QUERY_DESCRIPTION } from './organization-query.dto.js';
import { idFromQuery } from './query-values.js';

/** The admins' member list: the shared filters plus the organization to list. */
export class ListMembersQueryDto extends ListMembershipsQueryDto {
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
