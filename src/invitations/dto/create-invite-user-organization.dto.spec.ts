import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe } from '../../common/validation.js';
import { CreateInviteUserOrganizationDto } from './create-invite-user-organization.dto.js';

const metadata: ArgumentMetadata = { type: 'body', metatype: CreateInviteUserOrganizationDto };
const decorators = createValidationPipe({ fastPaths: false });
const withFastPath = createValidationPipe();

const valid = { email: 'test@mail.com', scope: 1, permissions: { group: 0, read: [1, 2], manage: [1, 2] } };
const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Bodies around every rule: each valid one, each a step past a rule. */
const bodies: [string, unknown][] = [
  ['the seed example', { ...valid, professionId: 1 }],
  ['no professionId', valid],
  ['a null professionId', { ...valid, professionId: null }],
  ['scope 2', { ...valid, scope: 2 }],
  ['empty permission lists', { ...valid, permissions: { group: 0, read: [], manage: [] } }],
  ['256 ids', { ...valid, permissions: { group: 0, read: ids(256), manage: ids(256) } }],
  ['257 ids', { ...valid, permissions: { group: 0, read: ids(257), manage: [] } }],
  [
    'the largest safe integers',
    { ...valid, professionId: 2 ** 53 - 1, permissions: { group: -(2 ** 53 - 1), read: [2 ** 53 - 1], manage: [] } },
  ],
  ['2^53', { ...valid, professionId: 2 ** 53 }],
  ['a group of 1.5', { ...valid, permissions: { ...valid.permissions, group: 1.5 } }],
  ['a read id as a string', { ...valid, permissions: { ...valid.permissions, read: ['1'] } }],
  ['a read id of null', { ...valid, permissions: { ...valid.permissions, read: [null] } }],
  ['read as an object', { ...valid, permissions: { ...valid.permissions, read: { 0: 1, length: 1 } } }],
  ['permissions as an array', { ...valid, permissions: [] }],
  ['permissions null', { ...valid, permissions: null }],
  ['no permissions', { email: valid.email, scope: 1 }],
  ['permissions without manage', { ...valid, permissions: { group: 0, read: [] } }],
  ['an unknown permission key', { ...valid, permissions: { ...valid.permissions, write: [] } }],
  ['an unknown key', { ...valid, role: 'admin' }],
  [
    'a __proto__ key',
    JSON.parse('{"email":"a@b.co","scope":1,"permissions":{"group":0,"read":[],"manage":[]},"__proto__":{"x":1}}'),
  ],
  ['scope "1"', { ...valid, scope: '1' }],
  ['scope 3', { ...valid, scope: 3 }],
  ['scope true', { ...valid, scope: true }],
  ['scope null', { ...valid, scope: null }],
  ['no scope', { email: valid.email, permissions: valid.permissions }],
  ['professionId "1"', { ...valid, professionId: '1' }],
  ['professionId 1.5', { ...valid, professionId: 1.5 }],
  ['no email', { scope: 1, permissions: valid.permissions }],
  ['a null email', { ...valid, email: null }],
  ['a numeric email', { ...valid, email: 42 }],
  ['a 250-character email', { ...valid, email: `${'a'.repeat(250 - '@example.com'.length)}@example.com` }],
  ['a 251-character email', { ...valid, email: `${'a'.repeat(251 - '@example.com'.length)}@example.com` }],
  ['an email without a top-level domain', { ...valid, email: 'someone@example' }],
  ['an email starting with a dot', { ...valid, email: '.someone@example.com' }],
  ['an email with two dots in a row', { ...valid, email: 'some..one@example.com' }],
  ['an email with an apostrophe and a plus', { ...valid, email: "o'brien+x@example.co.uk" }],
  ['a string body', 'test@mail.com'],
  ['an array body', [valid]],
  ['a null body', null],
  ['no body', undefined],
];

async function verdict(pipe: ReturnType<typeof createValidationPipe>, body: unknown) {
  try {
    return { ok: true, value: (await pipe.transform(structuredClone(body), metadata)) as unknown };
  } catch (error) {
    return { ok: false, error: (error as { getResponse?: () => unknown }).getResponse?.() ?? String(error) };
  }
}

describe('CreateInviteUserOrganizationDto.acceptFast', () => {
  it.each(bodies)('gives the decorators’ verdict on %s', async (_name, body) => {
    const reference = await verdict(decorators, body);
    const fast = await verdict(withFastPath, body);
    expect(fast).toEqual(reference);
    if (fast.ok) {
      expect(fast.value).toBeInstanceOf(CreateInviteUserOrganizationDto);
    }
  });

  it('accepts only bodies the decorators accept, and takes the usual ones itself', async () => {
    for (const [name, body] of bodies) {
      const accepted = CreateInviteUserOrganizationDto.acceptFast(structuredClone(body));
      if (accepted !== undefined) {
        expect({ name, ok: (await verdict(decorators, body)).ok }).toEqual({ name, ok: true });
      }
    }
    expect(CreateInviteUserOrganizationDto.acceptFast({ ...valid, professionId: 1 })).toBeDefined();
    expect(CreateInviteUserOrganizationDto.acceptFast(valid)).toBeDefined();
  });
});
