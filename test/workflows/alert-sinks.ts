/**
 * Real alert receivers for the tests: an SMTP server (the `smtp-server` package, plain text with
 * login accepted) and a Slack-style webhook endpoint (node:http), both on free loopback ports.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  user: string | undefined;
  password: string | undefined;
  raw: string;
}

export interface SmtpSink {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: Mail[] = [];
  const logins = new WeakMap<object, { user?: string; password?: string }>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, session, callback) {
      logins.set(session, { user: auth.username ?? undefined, password: auth.password ?? undefined });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const login = logins.get(session);
        mails.push({ user: login?.user, password: login?.password, raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface WebhookSink {
  port: number;
  /** Each call's path and its `text`. */
  calls: { path: string; text: string }[];
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const calls: WebhookSink['calls'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', text: String((JSON.parse(body) as { text?: unknown }).text) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Quoted-printable soft line breaks and `=XX` escapes undone, so a mail's text can be searched. */
export function mailText(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
