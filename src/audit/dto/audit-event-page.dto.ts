import { ApiProperty } from '@nestjs/swagger';
import { AuditEventDto } from './audit-event.dto.js';

/** One page of the audit trail, newest first. */
export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] })
  data!: AuditEventDto[];

  @ApiProperty({
    description: 'Pass as `cursor` to get the next (older) page; null on the last page',
    type: String,
    nullable: true,
    example: 'djE6MTA',
  })
  nextCursor!: string | null;
}
