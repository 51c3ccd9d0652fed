import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { intFromQuery } from '../../memberships/dto/query-values.js';
import { DELIVERY_STATUSES } from '../webhook-delivery.entity.js';

export const DEFAULT_WEBHOOK_PAGE_SIZE = 50;
export const MAX_WEBHOOK_PAGE_SIZE = 200;

export class ListWebhooksQueryDto {
  @ApiPropertyOptional({
    description: `Page size, 1 to ${MAX_WEBHOOK_PAGE_SIZE}`,
    type: 'integer',
    minimum: 1,
    maximum: MAX_WEBHOOK_PAGE_SIZE,
    default: DEFAULT_WEBHOOK_PAGE_SIZE,
    example: 50,
  })
  @Transform(intFromQuery)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_WEBHOOK_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's `nextCursor`", example: 'djE6MTA', maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
}

export class ListDeliveriesQueryDto extends ListWebhooksQueryDto {
  @ApiPropertyOptional({ description: 'Only deliveries in this status', enum: DELIVERY_STATUSES, example: 'failed' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: string;
}
