import { MinProperties } from '../../common/min-properties.decorator.js';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, Matches, Max, Min, ValidateIf } from 'class-validator';

export const MAX_ALLOWED_DOMAINS = 100;
const MAX_LIMIT = 2_147_483_647;

/**
 * An ASCII host name with at least two labels (an email domain): letters, digits and
 * hyphens, no label starting or ending with a hyphen, at most 253 characters.
 */
export const EMAIL_DOMAIN_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const POLICY_EXAMPLE = {
  maxMembers: 25,
  maxPendingInvitations: 10,
  allowedEmailDomains: ['example.com', 'example.org'],
};

/** An organization's limits and allowed email domains; null: no limit, any domain. */
export class PolicyDto {
  @ApiProperty({
    description: 'Active members plus pending invitations never exceed it; null: no limit',
    type: 'integer',
    nullable: true,
    example: 25,
  })
  maxMembers!: number | null;

  @ApiProperty({
    description: 'Pending (unexpired) invitations never exceed it; null: no limit',
    type: 'integer',
    nullable: true,
    example: 10,
  })
  maxPendingInvitations!: number | null;

  @ApiProperty({
    description:
      "The domains an invitee's address may have (exact match, case-insensitive, lower-cased as stored); null: any",
    type: [String],
    nullable: true,
    example: ['example.com', 'example.org'],
  })
  allowedEmailDomains!: string[] | null;
}

export class PolicyResponseDto {
  @ApiProperty({ type: PolicyDto })
  data!: PolicyDto;
}

const domainsDescription =
  `Replaces the allowed email domains (ASCII host names such as \`example.com\`, at most ${MAX_ALLOWED_DOMAINS}, ` +
  'stored lower-cased without repeats); null allows any domain';

const ALLOWED_DOMAINS_PROPERTY: ApiPropertyOptions = {
  description: domainsDescription,
  type: [String],
  nullable: true,
  maxItems: MAX_ALLOWED_DOMAINS,
  example: ['example.com'],
};

/**
 * Lower-cased (ASCII only) and without repeats, in the order given; a list longer than the
 * limit is left as it came, to be refused as it is.
 */
const normalizeDomains = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) &&
  value.length <= MAX_ALLOWED_DOMAINS &&
  value.every((d) => typeof d === 'string' && EMAIL_DOMAIN_PATTERN.test(d))
    ? [...new Set(value.map((d: string) => d.replace(/[A-Z]/g, (c) => c.toLowerCase())))]
    : value;

/** The admin's change: the allowed domains only (limits are backoffice's). */
export class UpdateAdminPolicyDto {
  @ApiProperty(ALLOWED_DOMAINS_PROPERTY)
  @Transform(normalizeDomains)
  @ValidateIf((_o, value) => value !== null)
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_DOMAINS)
  @Matches(EMAIL_DOMAIN_PATTERN, { each: true, message: 'each allowedEmailDomains entry must be an ASCII host name' })
  allowedEmailDomains!: string[] | null;
}

/** Backoffice's change: any of the three, at least one; null removes a limit. */
@MinProperties(1, {
  code: 'NOTHING_TO_UPDATE',
  message: 'Give at least one of maxMembers, maxPendingInvitations, allowedEmailDomains',
})
export class UpdatePolicyDto {
  @ApiPropertyOptional({
    description: 'Active members plus pending invitations never exceed it (an integer ≥ 0); null: no limit',
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: MAX_LIMIT,
    example: 25,
  })
  @ValidateIf((_o, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_LIMIT)
  maxMembers?: number | null;

  @ApiPropertyOptional({
    description: 'Pending invitations never exceed it (an integer ≥ 0); null: no limit',
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: MAX_LIMIT,
    example: 10,
  })
  @ValidateIf((_o, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_LIMIT)
  maxPendingInvitations?: number | null;

  @ApiPropertyOptional(ALLOWED_DOMAINS_PROPERTY)
  @Transform(normalizeDomains)
  @ValidateIf((_o, value) => value !== undefined && value !== null)
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_DOMAINS)
  @Matches(EMAIL_DOMAIN_PATTERN, { each: true, message: 'each allowedEmailDomains entry must be an ASCII host name' })
  allowedEmailDomains?: string[] | null;
}
