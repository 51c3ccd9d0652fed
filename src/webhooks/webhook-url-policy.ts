import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOneOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why a webhook URL is refused; the message is for the backoffice user. */
export class WebhookUrlError extends Error {}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * A public unicast address. Everything else is refused: private, loopback, link-local,
 * unique-local, carrier-grade NAT, multicast, unspecified, reserved, and the IPv6 forms that
 * embed an IPv4 address (mapped ones are checked as the IPv4 address they carry).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) {
    return false;
  }
  return ipaddr.process(address).range() === 'unicast';
}

/** The host as an address when it is an IP literal (the URL parser has already normalized `0x7f.1` and the like). */
function literalAddress(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return ipaddr.isValid(host) ? host : undefined;
}

/**
 * Checks a webhook URL against the delivery rules. With `allowPrivate`, any http(s) URL;
 * otherwise https only, to a public address: an IP literal must be public, and a name must
 * resolve only to public addresses.
 */
export async function checkWebhookUrl(
  raw: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<URL> {
  const url = checkWebhookUrlSyntax(raw, allowPrivate);
  if (allowPrivate || literalAddress(url) !== undefined) {
    return url;
  }
  await publicAddressesOf(url.hostname, resolve);
  return url;
}

/** The checks that need no DNS: scheme, and the address when the host is an IP literal. */
export function checkWebhookUrlSyntax(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WebhookUrlError('url must be an http(s) URL');
  }
  if (allowPrivate) {
    return url;
  }
  if (url.protocol !== 'https:') {
    throw new WebhookUrlError('url must use https');
  }
  const literal = literalAddress(url);
  if (literal !== undefined && !isPublicAddress(literal)) {
    throw new WebhookUrlError(`url must point to a public address; ${literal} is private, loopback or reserved`);
  }
  return url;
}

async function publicAddressesOf(hostname: string, resolve: Resolver): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(hostname);
  } catch {
    throw new WebhookUrlError(`url host ${hostname} does not resolve`);
  }
  if (addresses.length === 0) {
    throw new WebhookUrlError(`url host ${hostname} does not resolve`);
  }
  const refused = addresses.find((a) => !isPublicAddress(a.address));
  if (refused) {
    throw new WebhookUrlError(
      `url host ${hostname} resolves to ${refused.address}, which is private, loopback or reserved`,
    );
  }
  return addresses;
}

/**
 * A `lookup` for the HTTP client that resolves a name, checks every address it resolves to,
 * and hands the client only those: the connection goes to the address that was checked, so
 * a name cannot be re-pointed at a private address between the check and the connection.
 */
export function publicOnlyLookup(resolve: Resolver = systemResolver): LookupFunction {
  return ((hostname: string, options: LookupOneOptions & { all?: boolean }, callback: (...args: unknown[]) => void) => {
    publicAddressesOf(hostname, resolve).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }));
        } else if (options.all) {
          callback(null, usable);
        } else {
          callback(null, usable[0].address, usable[0].family);
        }
      },
      (error: unknown) => callback(error),
    );
  }) as LookupFunction;
}
