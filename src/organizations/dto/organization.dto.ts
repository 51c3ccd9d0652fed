import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const ORGANIZATION_EXAMPLE = {
  id: 12,
  name: 'Acme',
  deletedAt: null,
  updatedAt: '2024-12-09T14:23:00.000Z',
  createdAt: '2024-01-15T08:45:00.000Z',
};

export class OrganizationDto {
  @ApiProperty({ description: 'Unique identifier of the organization', example: 12 })
  id!: number;

  @ApiProperty({ description: 'Name of the organization', example: 'Acme' })
  name!: string;

  @ApiProperty({
    description: 'When it was deleted; null while live',
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
  })
  deletedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2024-12-09T14:23:00.000Z' })
  updatedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2024-01-15T08:45:00.000Z' })
  createdAt!: string;
}

export class OrganizationResponseDto {
  @ApiProperty({ type: OrganizationDto })
  data!: OrganizationDto;
}

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** Create or rename: the name, trimmed, 1 to 200 characters. */
export class OrganizationNameDto {
  @ApiProperty({
    description: 'Name of the organization (trimmed; 1 to 200 characters)',
    example: 'Acme',
    maxLength: 200,
  })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  // Not blank (stated so in the document, which sees the name before it is trimmed), and no
  // control characters (C0, DEL, C1): the name appears in email subjects and bodies.
  // eslint-disable-next-line no-control-regex -- the class of characters refused
  @Matches(/^(?=.*\S)[^\u0000-\u001f\u007f-\u009f]*$/, {
    message: 'name must not be blank or contain control characters',
  })
  name!: string;
}
