import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { WEBHOOK_URL_SHAPE } from '../webhook-url-shape.js';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { ALL_EVENTS, EVENT_TYPES } from '../../events/event-types.js';

export const SUBSCRIBABLE = [ALL_EVENTS, ...EVENT_TYPES];

export class CreateWebhookDto {
  @ApiProperty({
    description:
      'Where deliveries are POSTed. In production: https to a public address (private, loopback and ' +
      'link-local addresses, and names resolving to them, are refused unless WEBHOOK_ALLOW_PRIVATE=true)',
    example: 'https://hooks.example.com/memberships',
    maxLength: 2048,
  })
  @IsString()
  @MaxLength(2048)
  @Matches(WEBHOOK_URL_SHAPE, { message: 'url must be an absolute http(s) URL' })
  url!: string;

  @ApiProperty({
    description: 'Event types to deliver, or `["*"]` for all of them (including types added later)',
    type: [String],
    enum: SUBSCRIBABLE,
    example: ['invitation.accepted', 'membership.updated', 'membership.removed'],
    minItems: 1,
    maxItems: 30,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true })
  events!: string[];

  @ApiProperty({
    description: "Only this organization's events; null or absent: every organization's",
    type: 'integer',
    nullable: true,
    required: false,
    minimum: Number.MIN_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1,
  })
  @IsOptional()
  @IsSafeInt()
  organizationId?: number | null;
}
