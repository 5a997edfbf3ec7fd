import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { eventually } from './eventually';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  messageId: string;
}

/** A real SMTP server on loopback that keeps what it receives. */
export class Mailbox {
  private constructor(
    private readonly server: SMTPServer,
    readonly url: string,
    readonly received: ReceivedMail[],
    /** Connections a client dropped mid-message (a worker killed while sending): the mail is sent again later. */
    readonly droppedConnections: Error[],
  ) {}

  static async start(): Promise<Mailbox> {
    const received: ReceivedMail[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push({
              to: session.envelope.rcptTo.map((r) => r.address).sort(),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              messageId: mail.messageId ?? '',
            });
            callback();
          })
          .catch(callback);
      },
    });
    // smtp-server reports a client that vanishes inside a mail transaction as an 'error' event; with no
    // listener that would be an uncaught exception in the test run. A real server carries on.
    const dropped: Error[] = [];
    server.on('error', (err) => dropped.push(err));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    return new Mailbox(server, `smtp://127.0.0.1:${port}`, received, dropped);
  }

  /** Waits for a message matching `predicate` to arrive. */
  waitFor(predicate: (mail: ReceivedMail) => boolean): Promise<ReceivedMail> {
    return eventually(() => {
      const found = this.received.find(predicate);
      if (!found) throw new Error(`no such email yet; received: ${JSON.stringify(this.received.map((m) => m.subject))}`);
      return found;
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
