import { randomBytes, randomUUID } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { SCOPED_ROLES } from '../workflows/common/roles';
import type { PrismaClient } from '../lib/db';
import { hashToken } from '../lib/identity';
import type { Logger } from '../lib/logger';
import type { Mailer } from '../lib/mailer';
import { findUnstorableText } from '../lib/text';
import type { Render } from './pages';

export interface EmailLinkSettings {
  mailer: Mailer;
  /** Where the service is reached from outside (https://housing.example.gov.uk): the links' base. */
  publicUrl: () => string;
  /** How long a link works (default 15 minutes). */
  linkMinutes?: number;
}

/** Links one person may be sent in a LINK_WINDOW_MINUTES: more are not sent (the page says the same). */
const LINKS_PER_WINDOW = 3;
const LINK_WINDOW_MINUTES = 15;
const DEFAULT_LINK_MINUTES = 15;

const emailForm = z.object({ email: z.email().max(320) });

/**
 * Residents' representatives have no council account: they sign in with a link emailed to the address
 * the council holds for them. A link works once, for a short time; a person is sent at most a few in
 * a quarter of an hour. Whether an address is known is never said, so addresses cannot be probed.
 */
export function emailSignInPages(deps: {
  prisma: PrismaClient;
  logger: Logger;
  render: Render;
  csrfToken: (req: Request) => string;
  webPath: string;
  emailLinks: EmailLinkSettings;
  sessionFor: (userId: string, req: Request, res: Response, next: NextFunction) => Promise<unknown>;
}): Router {
  const { prisma, render, csrfToken, webPath, emailLinks, logger } = deps;
  const router = Router();
  const linkMinutes = emailLinks.linkMinutes ?? DEFAULT_LINK_MINUTES;
  const page = (req: Request, res: Response, view: string, context: Record<string, unknown> = {}, status = 200) =>
    res.status(status).send(render(view, { csrfToken: csrfToken(req), linkMinutes, ...context }));

  /** The residents' representative or partner officer with this address, if there is one (their grant, the address the council holds). */
  const repWithEmail = (email: string) =>
    prisma.appUser.findFirst({
      where: { email: { equals: email, mode: 'insensitive' }, grants: { some: { role: { in: [...SCOPED_ROLES] } } } },
      select: { id: true, displayName: true, email: true },
      orderBy: { id: 'asc' },
    });

  const sendLink = async (user: { id: string; displayName: string; email: string }) => {
    const since = new Date(Date.now() - LINK_WINDOW_MINUTES * 60_000);
    if ((await prisma.signInLink.count({ where: { userId: user.id, createdAt: { gte: since } } })) >= LINKS_PER_WINDOW) {
      logger.warn({ userId: user.id }, 'sign-in link not sent: too many asked for');
      return;
    }
    const token = randomBytes(32).toString('base64url');
    const id = randomUUID();
    await prisma.signInLink.create({
      data: { id, tokenHash: hashToken(token), userId: user.id, expiresAt: new Date(Date.now() + linkMinutes * 60_000) },
    });
    await emailLinks.mailer.send({
      to: [user.email],
      subject: 'Your link to sign in to housing governance',
      text: [
        `Hello ${user.displayName},`,
        '',
        `Use this link to sign in. It works once, within ${linkMinutes} minutes:`,
        '',
        `${emailLinks.publicUrl()}${webPath}/sign-in/email/${token}`,
        '',
        'If you did not ask to sign in, you can ignore this email: nobody can sign in without the link.',
      ].join('\n'),
      messageId: `<sign-in-${id}@housing-governance>`,
    });
    logger.info({ userId: user.id, linkId: id }, 'sign-in link sent');
  };

  router.get('/sign-in/email', (req, res) => page(req, res, 'sign-in-email.njk'));
  router.post('/sign-in/email', (req, res, next) => {
    const entered = typeof req.body?.email === 'string' ? req.body.email.trim() : '';
    const checked = emailForm.safeParse({ email: entered });
    if (!checked.success || findUnstorableText(entered, { multiLine: false }))
      return page(
        req,
        res,
        'sign-in-email.njk',
        { entered, error: entered ? 'Enter an email address in the correct format, like name@example.com' : 'Enter your email address' },
        400,
      );
    repWithEmail(checked.data.email)
      .then((user) =>
        user?.email ? sendLink({ ...user, email: user.email }) : logger.info('sign-in link asked for an address no representative has'),
      )
      // The same answer whether the address is known or not.
      .then(() => page(req, res, 'sign-in-email-sent.njk', { email: checked.data.email }))
      .catch(next);
  });

  // Opening the link shows a button: a mail scanner following links does not use it up.
  router.get('/sign-in/email/:token', (req, res, next) => {
    prisma.signInLink
      .findUnique({ where: { tokenHash: hashToken(String(req.params.token)) }, select: { usedAt: true, expiresAt: true } })
      .then((link) =>
        link && !link.usedAt && link.expiresAt.getTime() > Date.now()
          ? page(req, res, 'sign-in-email-confirm.njk', {
              action: `${webPath}/sign-in/email/${encodeURIComponent(String(req.params.token))}`,
            })
          : page(req, res, 'sign-in-email-spent.njk', {}, 410),
      )
      .catch(next);
  });
  router.post('/sign-in/email/:token', (req, res, next) => {
    // Used at most once, whoever asks first: the update that marks it used is the check.
    prisma.signInLink
      .updateManyAndReturn({
        where: { tokenHash: hashToken(String(req.params.token)), usedAt: null, expiresAt: { gt: new Date() } },
        data: { usedAt: new Date() },
        select: { userId: true },
      })
      .then(([link]) => {
        if (!link) return void page(req, res, 'sign-in-email-spent.njk', {}, 410);
        logger.info({ userId: link.userId }, 'signed in with an emailed link');
        return deps.sessionFor(link.userId, req, res, next);
      })
      .catch(next);
  });
  return router;
}
