import type { LookupAddress } from 'node:dns';
import { checkWebhookUrl, isPublicAddress, publicOnlyLookup, type Resolver } from './webhook-url-policy.js';

const resolvesTo =
  (...addresses: string[]): Resolver =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

function lookupWith(resolver: Resolver, hostname: string, options: { all?: boolean; family?: number } = {}) {
  return new Promise<{ error: unknown; result: unknown }>((resolve) => {
    (publicOnlyLookup(resolver) as unknown as (...args: unknown[]) => void)(
      hostname,
      options,
      (error: unknown, result: unknown) => resolve({ error, result }),
    );
  });
}

describe('webhook URL rules', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd12::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '224.0.0.1',
    '255.255.255.255',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses a name that resolves to a private address, or to a mix of public and private ones', async () => {
    await expect(checkWebhookUrl('https://hooks.example.com/x', false, resolvesTo('10.0.0.7'))).rejects.toThrow(
      /resolves to 10\.0\.0\.7/,
    );
    await expect(
      checkWebhookUrl('https://hooks.example.com/x', false, resolvesTo('93.184.215.14', '127.0.0.1')),
    ).rejects.toThrow(/127\.0\.0\.1/);
    await expect(
      checkWebhookUrl('https://hooks.example.com/x', false, () => Promise.reject(new Error('ENOTFOUND'))),
    ).rejects.toThrow(/does not resolve/);
  });

  it('accepts a name that resolves only to public addresses, and anything http(s) when private addresses are allowed', async () => {
    await expect(
      checkWebhookUrl('https://hooks.example.com/x', false, resolvesTo('93.184.215.14')),
    ).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://localhost:3000/x', true, resolvesTo('127.0.0.1'))).resolves.toBeInstanceOf(
      URL,
    );
    await expect(checkWebhookUrl('file:///etc/passwd', true)).rejects.toThrow(/http/);
  });

  it('at delivery, hands the HTTP client only the addresses it checked', async () => {
    const refused = await lookupWith(resolvesTo('192.168.0.5'), 'hooks.example.com');
    expect(String(refused.error)).toMatch(/192\.168\.0\.5/);
    const all = await lookupWith(
      resolvesTo('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'),
      'hooks.example.com',
      {
        all: true,
      },
    );
    expect(all.error).toBeNull();
    expect((all.result as LookupAddress[]).map((a) => a.address)).toEqual([
      '93.184.215.14',
      '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    ]);
    const one = await lookupWith(resolvesTo('93.184.215.14'), 'hooks.example.com', { family: 4 });
    expect(one).toEqual({ error: null, result: '93.184.215.14' });
  });
});
