import { ApiProperty } from '@nestjs/swagger';
import { SUBSCRIBABLE } from './create-webhook.dto.js';

export class WebhookDto {
  @ApiProperty({ description: 'Unique identifier of the endpoint', example: 5 })
  id!: number;

  @ApiProperty({ description: 'Where deliveries are POSTed', example: 'https://hooks.example.com/memberships' })
  url!: string;

  @ApiProperty({ description: 'Event types delivered, or `["*"]`', type: [String], enum: SUBSCRIBABLE, example: ['*'] })
  events!: string[];

  @ApiProperty({ description: "Only this organization's events (null: all)", type: Number, nullable: true, example: 1 })
  organizationId!: number | null;

  @ApiProperty({
    description: 'false: deliveries wait (paused, or disabled by a 410 from the receiver)',
    example: true,
  })
  enabled!: boolean;

  @ApiProperty({
    description: 'Why the endpoint was disabled automatically (null otherwise)',
    type: String,
    nullable: true,
    example: null,
  })
  disabledReason!: string | null;

  @ApiProperty({
    description: 'After a rotation: until when the previous secret still signs too (null otherwise)',
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
  })
  previousSecretExpiresAt!: string | null;

  @ApiProperty({ format: 'date-time', example: '2024-12-09T14:23:00.000Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2024-12-09T14:23:00.000Z' })
  updatedAt!: string;
}

/** The endpoint with its signing secret: only in the answers to creation and rotation. */
export class WebhookWithSecretDto extends WebhookDto {
  @ApiProperty({
    description:
      'The signing secret, shown this once: give it to your Standard Webhooks library to verify `webhook-signature`',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret!: string;
}

export class WebhookPageDto {
  @ApiProperty({ type: [WebhookDto] })
  data!: WebhookDto[];

  @ApiProperty({
    description: 'Pass back as `cursor` for the next page; null on the last page',
    type: String,
    nullable: true,
    example: null,
  })
  nextCursor!: string | null;
}
