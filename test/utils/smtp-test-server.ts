import { connect, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as received, with quoted-printable soft breaks and escapes decoded. */
  raw: string;
  /** performance.now() when the server had the whole message. */
  receivedAt: number;
}

export interface TestSmtpServer {
  url: string;
  messages: ReceivedMail[];
  /** Resolves with the first message (already received or to come) to that recipient. */
  waitFor(recipient: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a loopback port, for the e2e tests. Recipients whose local part
 * starts with `reject` get a permanent 550, `tempfail` a transient 451, `slow` an answer
 * after 300 ms; others are accepted.
 * Like many servers, smtp-server waits 100 ms before its greeting (early-talker detection), so
 * the first mail of each connection takes ~100 ms longer; the worker's pool reuses connections.
 */
/** On a port the system gives; for a server that must come up where a service already expects it, see {@link startSmtpSwitch}. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const waiters: { recipient: string; resolve: (m: ReceivedMail) => void }[] = [];
  const smtpError = (message: string, responseCode: number): SMTPServerError =>
    Object.assign(new Error(message), { responseCode });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      const local = address.address.toLowerCase();
      if (local.startsWith('reject')) {
        callback(smtpError('Mailbox unavailable', 550));
      } else if (local.startsWith('tempfail')) {
        callback(smtpError('Try again later', 451));
      } else if (local.startsWith('slow')) {
        setTimeout(() => callback(), 300);
      } else {
        callback();
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')),
          receivedAt: performance.now(),
        };
        messages.push(mail);
        for (const w of waiters.filter((w) => mail.to.includes(w.recipient))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(mail);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port: listening } = server.server.address() as { port: number };

  return {
    url: `smtp://127.0.0.1:${listening}`,
    messages,
    waitFor(recipient, timeoutMs = 10000) {
      const to = recipient.toLowerCase();
      const already = messages.find((m) => m.to.includes(to));
      if (already) {
        return Promise.resolve(already);
      }
      return new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No mail to ${recipient} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          recipient: to,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An SMTP address that is down until {@link SmtpSwitch.up}, then leads to a test SMTP server. */
export interface SmtpSwitch {
  url: string;
  /** Connections made while down: each was reset as soon as it was accepted. */
  readonly refused: number;
  up(): Promise<TestSmtpServer>;
  close(): Promise<void>;
}

/**
 * An SMTP server that is down, then back, at one address: for a service started with that
 * SMTP_URL before the server is up. The address is a listener on a port the system gave (port
 * 0), held from start to end, so no other process can take it in between (picking a free port
 * and listening on it seconds later once lost that race). While down, each connection is reset
 * as soon as it is accepted, so the client's connection fails as with a server that is not
 * running; once up, each connection is relayed to a test SMTP server of its own port.
 */
export async function startSmtpSwitch(): Promise<SmtpSwitch> {
  let target: { server: TestSmtpServer; port: number } | undefined;
  let refused = 0;
  const sockets = new Set<Socket>();
  const front = createServer((client) => {
    if (target === undefined) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = front.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    get refused() {
      return refused;
    },
    async up() {
      const server = await startSmtpServer();
      target = { server, port: Number(new URL(server.url).port) };
      return server;
    },
    async close() {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await target?.server.close();
    },
  };
}

function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The invitation token in a received mail's accept link. */
export function tokenFrom(mail: ReceivedMail): string {
  const match = /[?&]token=([A-Za-z0-9_-]{43})\b/.exec(mail.raw);
  if (!match) {
    throw new Error(`No accept link with a token in:\n${mail.raw}`);
  }
  return match[1];
}
