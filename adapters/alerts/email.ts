/** E-mail over SMTP (nodemailer). The password comes from the caller, read at the worker. */
import nodemailer from 'nodemailer';
import type { ResolvedConfig } from '../../config/schema';

export type EmailSettings = NonNullable<ResolvedConfig['alerts']['email']>;

export async function sendEmail(settings: EmailSettings, password: string | undefined, message: { subject: string; text: string }): Promise<void> {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: password ?? '' } : undefined,
    // Bounded, so an unreachable server fails the attempt instead of holding it.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    await transport.sendMail({ from: settings.from, to: settings.to, subject: message.subject, text: message.text });
  } finally {
    transport.close();
  }
}
