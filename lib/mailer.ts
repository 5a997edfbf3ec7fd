import nodemailer, { type Transporter } from 'nodemailer';

export interface Mailer {
  send(message: { to: string[]; subject: string; text: string; messageId: string }): Promise<void>;
  close(): void;
}

/**
 * Email through SMTP (`smtp://user:pass@host:port`, or `smtps://` for TLS). Without an SMTP URL the
 * messages are written to the log instead, which is what `npm start` does unless SMTP_URL is set.
 */
export function createMailer(options: { smtpUrl?: string; from: string; log: (message: object) => void }): Mailer {
  const transport: Transporter = options.smtpUrl
    ? nodemailer.createTransport(options.smtpUrl)
    : nodemailer.createTransport({ jsonTransport: true });
  return {
    async send({ to, subject, text, messageId }) {
      const info = await transport.sendMail({ from: options.from, to, subject, text, messageId });
      if (!options.smtpUrl) options.log({ mail: JSON.parse(String(info.message)) as object });
    },
    close: () => transport.close(),
  };
}
