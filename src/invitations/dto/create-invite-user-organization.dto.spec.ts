import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe } from '../../common/validation.js';
import { CreateInviteUserOrganizationDto } from './create-invite-user-organization.dto.js';

const metadata: ArgumentMetadata = { type: 'body', metatype: CreateInviteUserOrganizationDto };
const pipe = createValidationPipe();

const valid = { email: 'test@mail.com', scope: 1, permissions: { group: 0, read: [1, 2], manage: [1, 2] } };
const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Bodies around every rule: each valid one, each a step past a rule; whether the DTO accepts it. */
const bodies: [string, unknown, boolean][] = [
  ['the seed example', { ...valid, professionId: 1 }, true],
  ['no professionId', valid, true],
  ['a null professionId', { ...valid, professionId: null }, true],
  ['scope 2', { ...valid, scope: 2 }, true],
  ['empty permission lists', { ...valid, permissions: { group: 0, read: [], manage: [] } }, true],
  ['256 ids', { ...valid, permissions: { group: 0, read: ids(256), manage: ids(256) } }, true],
  ['257 ids', { ...valid, permissions: { group: 0, read: ids(257), manage: [] } }, false],
  [
    'the largest safe integers',
    { ...valid, professionId: 2 ** 53 - 1, permissions: { group: -(2 ** 53 - 1), read: [2 ** 53 - 1], manage: [] } },
    true,
  ],
  ['2^53', { ...valid, professionId: 2 ** 53 }, false],
  ['a group of 1.5', { ...valid, permissions: { ...valid.permissions, group: 1.5 } }, false],
  ['a read id as a string', { ...valid, permissions: { ...valid.permissions, read: ['1'] } }, false],
  ['a read id of null', { ...valid, permissions: { ...valid.permissions, read: [null] } }, false],
  ['read as an object', { ...valid, permissions: { ...valid.permissions, read: { 0: 1, length: 1 } } }, false],
  ['permissions as an array', { ...valid, permissions: [] }, false],
  ['permissions null', { ...valid, permissions: null }, false],
  ['no permissions', { email: valid.email, scope: 1 }, false],
  ['permissions without manage', { ...valid, permissions: { group: 0, read: [] } }, false],
  ['an unknown permission key', { ...valid, permissions: { ...valid.permissions, write: [] } }, false],
  ['an unknown key', { ...valid, role: 'admin' }, false],
  [
    'a __proto__ key',
    JSON.parse('{"email":"a@b.co","scope":1,"permissions":{"group":0,"read":[],"manage":[]},"__proto__":{"x":1}}'),
    true,
  ],
  ['scope "1"', { ...valid, scope: '1' }, false],
  ['scope 3', { ...valid, scope: 3 }, false],
  ['scope true', { ...valid, scope: true }, false],
  ['scope null', { ...valid, scope: null }, false],
  ['no scope', { email: valid.email, permissions: valid.permissions }, false],
  ['professionId "1"', { ...valid, professionId: '1' }, false],
  ['professionId 1.5', { ...valid, professionId: 1.5 }, false],
  ['no email', { scope: 1, permissions: valid.permissions }, false],
  ['a null email', { ...valid, email: null }, false],
  ['a numeric email', { ...valid, email: 42 }, false],
  ['a 250-character email', { ...valid, email: `${'a'.repeat(250 - '@example.com'.length)}@example.com` }, true],
  ['a 251-character email', { ...valid, email: `${'a'.repeat(251 - '@example.com'.length)}@example.com` }, false],
  ['an email without a top-level domain', { ...valid, email: 'someone@example' }, false],
  ['an email starting with a dot', { ...valid, email: '.someone@example.com' }, false],
  ['an email with two dots in a row', { ...valid, email: 'some..one@example.com' }, false],
  ['an email with an apostrophe and a plus', { ...valid, email: "o'brien+x@example.co.uk" }, true],
  ['a string body', 'test@mail.com', false],
  ['an array body', [valid], false],
  ['a null body', null, false],
  ['no body', undefined, false],
];

async function verdict(body: unknown) {
  try {
    return { ok: true, value: (await pipe.transform(structuredClone(body), metadata)) as unknown };
  } catch (error) {
    return { ok: false, error: (error as { getResponse?: () => unknown }).getResponse?.() ?? String(error) };
  }
}

describe('CreateInviteUserOrganizationDto', () => {
  it.each(bodies)('%s', async (_name, body, accepted) => {
    const result = await verdict(body);
    expect(result.ok).toBe(accepted);
    if (result.ok) {
      expect(result.value).toBeInstanceOf(CreateInviteUserOrganizationDto);
    } else {
      expect(result.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });
});
