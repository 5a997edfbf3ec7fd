import type { Request } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import { councilSlug, isoDateTime, oneLine, oneLineName, userId } from '../lib/field-schemas';
import { createUser, grantRole, nameCouncil, newToken, revokeToken, withdrawGrant, type Principal } from '../lib/identity';
import { groupKeyOf, organisationKeyOf } from '../workflows/common/process';
import { isScoped, ROLES, type Role } from '../workflows/common/roles';
import { actingAs, forbid } from './access';
import { auditCommand } from './audit';
import { HttpProblem } from './problem';
import { notFound, route, type AnyRoute } from './route-spec';
import type { Prisma } from '../prisma/generated/client';
import type { PrincipalCache } from './principal-cache';

// People and roles over the API, for a council's administrators (the `admin` role): its people and
// their role grants, their API tokens, and the council's name. Each change is written with its audit
// entry in one transaction. Every request reads the token and grants afresh (api/access.ts), so a
// revoked grant or token is refused from the next request on.

const councilPersonParams = z.object({ council: councilSlug, userId });
const tokenParams = councilPersonParams.extend({ tokenId: z.uuid() });

/**
 * A role to give: a residents' representative's names their group, a partner's its organisation (each
 * key derived as the service derives it), no other names anything.
 */
const grantBody = z.discriminatedUnion('role', [
  z.object({ role: z.literal('resident_rep'), group: oneLineName }).strict(),
  z.object({ role: z.literal('partner'), organisation: oneLineName }).strict(),
  z.object({ role: z.enum(ROLES.filter((r) => !isScoped(r)) as [Role, ...Role[]]) }).strict(),
]);
const scopeOf = (body: z.infer<typeof grantBody>): string =>
  'group' in body ? groupKeyOf(body.group) : 'organisation' in body ? organisationKeyOf(body.organisation) : '';
const withdrawBody = z.object({ role: z.enum(ROLES), groupKey: z.string().max(200).default('') }).strict();
const personBody = z
  .object({
    displayName: oneLineName,
    email: z.email().max(320).optional(),
    /** The identity provider's stable claim for them (Entra ID's `oid`), for signing in with it. */
    signInSubject: oneLine.optional(),
  })
  .strict();
const tokenBody = z.object({ label: oneLine }).strict();
const councilBody = z.object({ name: oneLineName }).strict();

const grantView = z.object({ role: z.enum(ROLES), groupKey: z.string() });
const tokenView = z.object({
  tokenId: z.string(),
  label: z.string(),
  createdAt: isoDateTime,
  expiresAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.nullable(),
});
const personView = z.object({
  userId: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  signsInWithProvider: z.boolean(),
  grants: z.array(grantView),
});
const councilView = z.object({ slug: z.string(), name: z.string() });

const iso = (at: Date | null) => at?.toISOString() ?? null;

export function peopleRoutes({ prisma, principals }: { prisma: PrismaClient; principals?: PrincipalCache }): AnyRoute[] {
  /** The administrator acting for `council`: its admin role there, or everywhere. */
  const asAdmin = (req: Request, principal: Principal, council: string, action: string) => {
    const actor = actingAs(principal, { council, groupKey: '' }, 'admin');
    if (!actor) throw forbid(req, action, `needs the admin role in ${council}`);
    return actor;
  };
  /** A person's roles in one council, in a stable order: what the people routes include of a user. */
  const grantsIn = (council: string) => ({ where: { council }, orderBy: [{ role: 'asc' as const }, { groupKey: 'asc' as const }] });
  const present = (user: {
    id: string;
    displayName: string;
    email: string | null;
    signInSubject: string | null;
    grants: { role: string; groupKey: string }[];
  }) => ({
    userId: user.id,
    displayName: user.displayName,
    email: user.email,
    signsInWithProvider: user.signInSubject !== null,
    grants: user.grants.map((g) => ({ role: g.role as Role, groupKey: g.groupKey })),
  });
  const personIn = async (council: string, id: string) => {
    const user = await prisma.appUser.findUnique({ where: { id }, include: { grants: grantsIn(council) } });
    if (!user) throw notFound('person', id);
    return present(user);
  };
  /** A person the council's administrator may manage: one holding a role in the council, or none anywhere yet. */
  const managedPerson = async (req: Request, council: string, id: string, action: string) => {
    const grants = await prisma.roleGrant.findMany({ where: { userId: id }, select: { council: true } });
    const user = await prisma.appUser.findUnique({ where: { id }, select: { id: true } });
    if (!user) throw notFound('person', id);
    if (grants.length > 0 && !grants.some((g) => g.council === council))
      throw forbid(req, action, `${id} holds no role in ${council}: their own council's administrators manage them`);
  };
  const audit = (principal: Principal, actor: ReturnType<typeof asAdmin>, action: string, details: Record<string, unknown>) =>
    auditCommand(prisma, principal, actor, `admin.${action}`, undefined, details);
  /** A change and its audit entry, then this process's cache of principals forgotten before it answers (the others hear of it from PostgreSQL). */
  const change = async (statements: Prisma.PrismaPromise<unknown>[]) => {
    await prisma.$transaction(statements);
    principals?.invalidate();
  };

  return [
    route({
      method: 'get',
      path: '/councils/:council/people',
      tag: 'people',
      summary: 'The people holding a role in a council, with their roles there (administrators only)',
      params: z.object({ council: councilSlug }),
      responses: { 200: { description: 'people, by name', schema: z.object({ council: councilView, people: z.array(personView) }) } },
      async handler({ req, res, params, principal }) {
        asAdmin(req, principal, params.council, `list the people of ${params.council}`);
        const [council, users] = await Promise.all([
          prisma.council.findUnique({ where: { slug: params.council }, select: { slug: true, name: true } }),
          prisma.appUser.findMany({
            where: { grants: { some: { council: params.council } } },
            include: { grants: grantsIn(params.council) },
            orderBy: [{ displayName: 'asc' }, { id: 'asc' }],
          }),
        ]);
        res.json({
          council: council ?? { slug: params.council, name: params.council },
          people: users.map(present),
        });
      },
    }),
    route({
      method: 'get',
      path: '/councils/:council/people/:userId',
      tag: 'people',
      summary: 'A person, with their roles in the council and their API tokens (by label)',
      params: councilPersonParams,
      query: z.object({ label: z.string().max(200).optional() }),
      responses: { 200: { description: 'the person', schema: personView.extend({ tokens: z.array(tokenView) }) } },
      async handler({ req, res, params, query, principal }) {
        asAdmin(req, principal, params.council, `read ${params.userId}`);
        await managedPerson(req, params.council, params.userId, `read ${params.userId}`);
        const tokens = await prisma.apiToken.findMany({
          where: { userId: params.userId, ...(query.label ? { label: query.label } : {}) },
          orderBy: [{ label: 'asc' }, { createdAt: 'desc' }],
        });
        res.json({
          ...(await personIn(params.council, params.userId)),
          tokens: tokens.map((t) => ({
            tokenId: t.id,
            label: t.label,
            createdAt: t.createdAt.toISOString(),
            expiresAt: iso(t.expiresAt),
            revokedAt: iso(t.revokedAt),
          })),
        });
      },
    }),
    route({
      method: 'put',
      path: '/councils/:council/people/:userId',
      tag: 'people',
      summary: 'Add a person, or change their name, email or identity-provider link',
      params: councilPersonParams,
      body: personBody,
      responses: {
        200: { description: 'the person', schema: personView },
        409: { description: 'another person already signs in with that identity' },
      },
      async handler({ req, res, params, body, principal }) {
        const actor = asAdmin(req, principal, params.council, `save ${params.userId}`);
        const exists = await prisma.appUser.findUnique({ where: { id: params.userId }, select: { id: true } });
        if (exists) await managedPerson(req, params.council, params.userId, `save ${params.userId}`);
        if (body.signInSubject) {
          const holder = await prisma.appUser.findUnique({ where: { signInSubject: body.signInSubject }, select: { id: true } });
          if (holder && holder.id !== params.userId)
            throw new HttpProblem(
              409,
              'sign-in-taken',
              'Identity already linked',
              'another person already signs in with this identity (signInSubject)',
            );
        }
        await change([
          createUser(prisma, { id: params.userId, ...body }),
          audit(principal, actor, 'user', { council: params.council, userId: params.userId, ...body }),
        ]);
        req.log.info({ userId: params.userId, actor }, 'person saved');
        res.json(await personIn(params.council, params.userId));
      },
    }),
    route({
      method: 'post',
      path: '/councils/:council/people/:userId/grants',
      tag: 'people',
      summary: 'Give a person a role in the council (a residents’ representative for their group, a partner for its organisation)',
      params: councilPersonParams,
      body: grantBody,
      responses: { 200: { description: 'the person', schema: personView } },
      async handler({ req, res, params, body, principal }) {
        const actor = asAdmin(req, principal, params.council, `grant a role to ${params.userId}`);
        await managedPerson(req, params.council, params.userId, `grant a role to ${params.userId}`);
        const grant = { council: params.council, role: body.role, groupKey: scopeOf(body) };
        await change([grantRole(prisma, params.userId, grant), audit(principal, actor, 'grant', { userId: params.userId, ...grant })]);
        req.log.info({ userId: params.userId, grant, actor }, 'role granted');
        res.json(await personIn(params.council, params.userId));
      },
    }),
    route({
      method: 'post',
      path: '/councils/:council/people/:userId/grants/withdraw',
      tag: 'people',
      summary: 'Withdraw a role from a person: refused from their next request',
      params: councilPersonParams,
      body: withdrawBody,
      responses: { 200: { description: 'the person', schema: personView }, 404: { description: 'they do not hold the role' } },
      async handler({ req, res, params, body, principal }) {
        const actor = asAdmin(req, principal, params.council, `withdraw a role from ${params.userId}`);
        const grant = { council: params.council, role: body.role, groupKey: body.groupKey };
        const held = await prisma.roleGrant.findFirst({ where: { userId: params.userId, ...grant }, select: { id: true } });
        if (!held) throw notFound('grant', `${params.userId} ${body.role}${body.groupKey ? ` ${body.groupKey}` : ''}`);
        await change([
          withdrawGrant(prisma, params.userId, grant),
          audit(principal, actor, 'withdraw', { userId: params.userId, ...grant }),
        ]);
        req.log.info({ userId: params.userId, grant, actor }, 'role withdrawn');
        res.json(await personIn(params.council, params.userId));
      },
    }),
    route({
      method: 'post',
      path: '/councils/:council/people/:userId/tokens',
      tag: 'people',
      summary: 'Issue an API token for a person: the token is in this answer only, never stored',
      params: councilPersonParams,
      body: tokenBody,
      responses: {
        201: { description: 'the token, shown once', schema: z.object({ tokenId: z.string(), label: z.string(), token: z.string() }) },
      },
      async handler({ req, res, params, body, principal }) {
        const actor = asAdmin(req, principal, params.council, `issue a token to ${params.userId}`);
        await managedPerson(req, params.council, params.userId, `issue a token to ${params.userId}`);
        const { tokenId, token, write } = newToken(prisma, params.userId, body.label);
        await change([write, audit(principal, actor, 'token', { userId: params.userId, tokenId, label: body.label })]);
        req.log.info({ userId: params.userId, tokenId, actor }, 'token issued');
        res.status(201).json({ tokenId, label: body.label, token });
      },
    }),
    route({
      method: 'post',
      path: '/councils/:council/people/:userId/tokens/:tokenId/revoke',
      tag: 'people',
      summary: 'Revoke a person’s API token: refused from its next request',
      params: tokenParams,
      responses: { 204: { description: 'revoked' }, 404: { description: 'no such token in use' } },
      async handler({ req, res, params, principal }) {
        const actor = asAdmin(req, principal, params.council, `revoke a token of ${params.userId}`);
        await managedPerson(req, params.council, params.userId, `revoke a token of ${params.userId}`);
        const found = await prisma.apiToken.findFirst({
          where: { id: params.tokenId, userId: params.userId, revokedAt: null },
          select: { id: true },
        });
        if (!found) throw notFound('token', params.tokenId);
        await change([
          revokeToken(prisma, params.tokenId),
          audit(principal, actor, 'revoke', { userId: params.userId, tokenId: params.tokenId }),
        ]);
        req.log.info({ userId: params.userId, tokenId: params.tokenId, actor }, 'token revoked');
        res.status(204).end();
      },
    }),
    route({
      method: 'put',
      path: '/councils/:council',
      tag: 'people',
      summary: 'Name a council as documents and pages say it (its administrators)',
      params: z.object({ council: councilSlug }),
      body: councilBody,
      responses: { 200: { description: 'the council', schema: councilView } },
      async handler({ req, res, params, body, principal }) {
        const actor = asAdmin(req, principal, params.council, `name ${params.council}`);
        const council = { slug: params.council, name: body.name };
        await change([nameCouncil(prisma, council), audit(principal, actor, 'council', council)]);
        res.json(council);
      },
    }),
  ];
}
