/**
 * The shape of a webhook URL, as the document states it: absolute http(s); a host name of
 * letters, digits, dots and dashes, a dotted IPv4 address or a bracketed IPv6 address; an optional port (1-65535);
 * an optional path. Whether the address may be used (public in production, reachable) is
 * decided after, at registration and at delivery.
 */
const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const H = '[0-9A-Fa-f]{1,4}';
// decimal octets without leading zeros: URL parsers read `010` as octal and refuse `08`
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `(${OCTET}\\.){3}${OCTET}`;
const IPV6 = [
  `(${H}:){7}${H}`,
  `(${H}:){1,7}:`,
  `(${H}:){1,6}:${H}`,
  `(${H}:){1,5}(:${H}){1,2}`,
  `(${H}:){1,4}(:${H}){1,3}`,
  `(${H}:){1,3}(:${H}){1,4}`,
  `(${H}:){1,2}(:${H}){1,5}`,
  `${H}:(:${H}){1,6}`,
  `:((:${H}){1,7}|:)`,
  `::([Ff]{4}(:0{1,4})?:)?${IPV4}`,
  `(${H}:){1,4}:${IPV4}`,
].join('|');
const PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
// the last label of a name starts with a letter: a host ending in digits is read as an IPv4 address
const NAME = `(${LABEL}\\.)*[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?`;
export const WEBHOOK_URL_SHAPE = new RegExp(
  `^https?://(${NAME}|${IPV4}|\\[(${IPV6})\\])(:${PORT})?(/[A-Za-z0-9._~/-]*)?$`,
);
