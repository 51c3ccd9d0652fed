import { MinProperties } from '../../common/min-properties.decorator.js';
import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { WEBHOOK_URL_SHAPE } from '../webhook-url-shape.js';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { SUBSCRIBABLE } from './create-webhook.dto.js';

/** Only the fields present change. */
@MinProperties(1, { code: 'NOTHING_TO_UPDATE', message: 'Give at least one of url, events, organizationId, enabled' })
export class UpdateWebhookDto {
  @ApiPropertyOptional({
    description: 'A new URL (same rules as at creation)',
    example: 'https://hooks.example.com/v2',
    maxLength: 2048,
  })
  @ValidateIf((o: UpdateWebhookDto) => o.url !== undefined)
  @IsString()
  @MaxLength(2048)
  @Matches(WEBHOOK_URL_SHAPE, { message: 'url must be an absolute http(s) URL' })
  url?: string;

  @ApiPropertyOptional({
    description: 'Event types to deliver, or `["*"]`',
    type: [String],
    enum: SUBSCRIBABLE,
    example: ['*'],
    minItems: 1,
    maxItems: 30,
  })
  @ValidateIf((o: UpdateWebhookDto) => o.events !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true })
  events?: string[];

  @ApiPropertyOptional({
    description: "Only this organization's events; null: every organization's",
    type: 'integer',
    nullable: true,
    minimum: Number.MIN_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1,
  })
  @IsOptional()
  @IsSafeInt()
  organizationId?: number | null;

  @ApiPropertyOptional({
    description:
      'false pauses deliveries (they wait, queued); true resumes them, also after a 410 disabled the endpoint',
    example: true,
  })
  @ValidateIf((o: UpdateWebhookDto) => o.enabled !== undefined)
  @IsBoolean()
  enabled?: boolean;
}
