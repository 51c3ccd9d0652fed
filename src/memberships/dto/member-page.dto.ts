import { ApiProperty } from '@nestjs/swagger';
import { MemberDto } from './member.dto.js';

/** One page of memberships, oldest first. */
export class MemberPageDto {
  @ApiProperty({ type: [MemberDto] })
  data!: MemberDto[];

  @ApiProperty({
    description: 'Pass as `cursor` to get the next page; null on the last page',
    type: String,
    nullable: true,
    example: 'djE6NDI',
  })
  nextCursor!: string | null;
}
