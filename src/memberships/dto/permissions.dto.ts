import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray } from 'class-validator';
import { IsSafeInt } from '../../common/safe-int.decorator.js';

export const MAX_PERMISSION_IDS = 256;

export class PermissionsDto {
  @ApiProperty({
    description: 'Permission group',
    example: 0,
    minimum: Number.MIN_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
  })
  @IsSafeInt()
  group!: number;

  @ApiProperty({
    description: 'Ids the member may read',
    example: [1, 2],
    type: [Number],
    maxItems: MAX_PERMISSION_IDS,
  })
  @IsArray()
  @ArrayMaxSize(MAX_PERMISSION_IDS)
  @IsSafeInt({ each: true })
  read!: number[];

  @ApiProperty({
    description: 'Ids the member may manage',
    example: [1, 2],
    type: [Number],
    maxItems: MAX_PERMISSION_IDS,
  })
  @IsArray()
  @ArrayMaxSize(MAX_PERMISSION_IDS)
  @IsSafeInt({ each: true })
  manage!: number[];
}
