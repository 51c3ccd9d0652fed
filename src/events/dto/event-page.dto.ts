import { ApiProperty } from '@nestjs/swagger';
import { EventDto } from './event.dto.js';

export class EventPageDto {
  @ApiProperty({ type: [EventDto], description: 'Events in feed order (possibly none)' })
  data!: EventDto[];

  @ApiProperty({
    description:
      'Where to read next (pass it as `after`). Never null: after the last event it points at the end, ' +
      'so storing it and reading from it later returns only newer events.',
    example: 'ZTE6NzQ4OjEwNDI',
  })
  nextCursor!: string;
}
