import { ApiProperty } from '@nestjs/swagger';
import { MemberDto } from './member.dto.js';

export class MemberResponseDto {
  @ApiProperty({ type: MemberDto })
  data!: MemberDto;
}
