/**
 * The decimal integers in -(2^53-1)..2^53-1 as one regular expression, so that the OpenAPI
 * document can state the rule of every id sent as a string exactly (a `pattern` of up to 16
 * digits would also promise 9999999999999999, which is refused). Built from the bound: every
 * shorter number, then each 16-digit prefix of 9007199254740991 followed by a smaller digit.
 * Linear (anchored alternation, no nested quantifiers).
 */
function decimalIntegersUpTo(max: string): string {
  const branches = ['0', `[1-9][0-9]{0,${max.length - 2}}`];
  for (let i = 0; i < max.length; i++) {
    const low = i === 0 ? 1 : 0;
    const high = Number(max[i]) - 1;
    if (high >= low) {
      const rest = max.length - i - 1;
      branches.push(
        `${max.slice(0, i)}${low === high ? String(low) : `[${low}-${high}]`}${rest > 0 ? `[0-9]{${rest}}` : ''}`,
      );
    }
  }
  branches.push(max);
  return `^-?(?:${branches.join('|')})$`;
}

export const SAFE_INTEGER_PATTERN_SOURCE = decimalIntegersUpTo(String(Number.MAX_SAFE_INTEGER));
export const SAFE_INTEGER_PATTERN = new RegExp(SAFE_INTEGER_PATTERN_SOURCE);
