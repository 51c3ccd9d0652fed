import { ApiProperty } from '@nestjs/swagger';
import { DELIVERY_STATUSES } from '../webhook-delivery.entity.js';

export class WebhookDeliveryDto {
  @ApiProperty({ description: 'Unique identifier of the delivery', example: 311 })
  id!: number;

  @ApiProperty({ description: 'The event delivered (also its `webhook-id` header)', example: 1042 })
  eventId!: number;

  @ApiProperty({ description: "The event's type", example: 'membership.updated' })
  eventType!: string;

  @ApiProperty({
    description: '`pending` (queued or retrying), `delivered` (the receiver answered 2xx), `failed` (gave up, or 410)',
    enum: DELIVERY_STATUSES,
    example: 'pending',
  })
  status!: string;

  @ApiProperty({ description: 'Attempts made so far', example: 3 })
  attempts!: number;

  @ApiProperty({
    description: 'Why the last attempt failed (null when none failed)',
    type: String,
    nullable: true,
    example: 'The receiver answered 503',
  })
  lastError!: string | null;

  @ApiProperty({ description: "The receiver's last status code", type: Number, nullable: true, example: 503 })
  lastStatusCode!: number | null;

  @ApiProperty({
    description: 'When the next attempt is due (null unless pending)',
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2024-12-09T14:23:20.000Z',
  })
  nextAttemptAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  deliveredAt!: string | null;

  @ApiProperty({ format: 'date-time', example: '2024-12-09T14:23:00.000Z' })
  createdAt!: string;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto], description: 'Newest first' })
  data!: WebhookDeliveryDto[];

  @ApiProperty({
    description: 'Pass back as `cursor` for the next page; null on the last page',
    type: String,
    nullable: true,
    example: null,
  })
  nextCursor!: string | null;
}
