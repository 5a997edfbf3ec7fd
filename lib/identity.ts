import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../workflows/common/roles';
import type { PrismaClient } from './db';

/** Every council, for grants that are not tied to one (auditors, programme offices of a group). */
export const ANY_COUNCIL = '*';

export interface Grant {
  council: string;
  role: Role;
  /** The residents' group a resident_rep signs for; empty for other roles. */
  groupKey: string;
}

export interface Principal {
  userId: string;
  displayName: string;
  grants: Grant[];
  /** The API token this request came with, for the audit log. */
  tokenId: string;
}

// Tokens are 256 random bits, so a fast hash is enough to keep them useless if the table leaks.
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

// Each change below is one statement, so the API can write it and its audit entry in one transaction.

export function createUser(prisma: PrismaClient, user: { id: string; displayName: string; email?: string; signInSubject?: string }) {
  // A subject left out keeps the one the user has: saving a name does not unlink their sign-in.
  const subject = user.signInSubject === undefined ? {} : { signInSubject: user.signInSubject };
  return prisma.appUser.upsert({
    where: { id: user.id },
    create: { id: user.id, displayName: user.displayName, email: user.email ?? null, ...subject },
    update: { displayName: user.displayName, email: user.email ?? null, ...subject },
  });
}

export function grantRole(prisma: PrismaClient, userId: string, grant: Grant) {
  return prisma.roleGrant.upsert({
    where: { userId_council_role_groupKey: { userId, ...grant } },
    create: { userId, ...grant },
    update: {},
  });
}

export function withdrawGrant(prisma: PrismaClient, userId: string, grant: Grant) {
  return prisma.roleGrant.deleteMany({ where: { userId, ...grant } });
}

/** A new bearer token: the plain token (to show once; never stored), and the statement that stores its hash. */
export function newToken(prisma: PrismaClient, userId: string, label: string, expiresAt?: Date) {
  const token = `hg_${randomBytes(32).toString('base64url')}`;
  const tokenId = randomUUID();
  const write = prisma.apiToken.create({
    data: { id: tokenId, userId, label, tokenHash: hashToken(token), expiresAt: expiresAt ?? null },
    select: { id: true },
  });
  return { tokenId, token, write };
}

/** Issues a bearer token; the plain token is returned once and never stored. */
export async function issueToken(
  prisma: PrismaClient,
  userId: string,
  label: string,
  expiresAt?: Date,
): Promise<{ tokenId: string; token: string }> {
  const { tokenId, token, write } = newToken(prisma, userId, label, expiresAt);
  await write;
  return { tokenId, token };
}

export function revokeToken(prisma: PrismaClient, tokenId: string) {
  return prisma.apiToken.updateMany({ where: { id: tokenId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Names a council as documents and pages say it (adding it if it is new). */
export function nameCouncil(prisma: PrismaClient, council: { slug: string; name: string }) {
  return prisma.council.upsert({
    where: { slug: council.slug },
    create: { ...council, updatedAt: new Date() },
    update: { name: council.name, updatedAt: new Date() },
  });
}

/** The user the identity provider's stable claim names (see AppUser.signInSubject), if the council set one up. */
export async function userBySignInSubject(prisma: PrismaClient, subject: string): Promise<{ id: string; displayName: string } | null> {
  return prisma.appUser.findUnique({ where: { signInSubject: subject }, select: { id: true, displayName: true } });
}

/**
 * The user behind a bearer token, and when the token expires; undefined when it is unknown, revoked or
 * expired. One statement (token, user and grants together): it runs for every request the cache of
 * principals cannot answer.
 */
export async function tokenHolder(
  prisma: PrismaClient,
  token: string,
): Promise<{ principal: Principal; expiresAt: Date | null } | undefined> {
  const [found] = await prisma.$queryRaw<
    { token_id: string; user_id: string; display_name: string; expires_at: Date | null; grants: Grant[] }[]
  >`
    SELECT t.id AS token_id, u.id AS user_id, u.display_name, t.expires_at,
           coalesce(json_agg(json_build_object('council', g.council, 'role', g.role, 'groupKey', g.group_key))
                    FILTER (WHERE g.id IS NOT NULL), '[]') AS grants
    FROM api_token t JOIN app_user u ON u.id = t.user_id LEFT JOIN role_grant g ON g.user_id = u.id
    WHERE t.token_hash = ${hashToken(token)} AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
    GROUP BY t.id, u.id`;
  if (!found) return undefined;
  return {
    principal: { userId: found.user_id, displayName: found.display_name, tokenId: found.token_id, grants: found.grants },
    expiresAt: found.expires_at,
  };
}

/** The user behind a bearer token, or undefined when the token is unknown, revoked or expired. */
export async function authenticate(prisma: PrismaClient, token: string): Promise<Principal | undefined> {
  return (await tokenHolder(prisma, token))?.principal;
}

/** Users holding `role` in `council` (directly or through an every-council grant), with their name and email. */
export async function usersWithRole(
  prisma: PrismaClient,
  council: string,
  role: Role,
  groupKey?: string,
): Promise<{ id: string; displayName: string; email: string | null }[]> {
  return prisma.appUser.findMany({
    where: { grants: { some: { role, council: { in: [council, ANY_COUNCIL] }, ...(groupKey === undefined ? {} : { groupKey }) } } },
    select: { id: true, displayName: true, email: true },
    orderBy: { id: 'asc' },
  });
}

/** The display names of these users, by id (one read): who acted, as timelines and notes name them. */
export async function displayNamesOf(prisma: PrismaClient, userIds: (string | null)[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds.filter((id): id is string => id !== null))];
  const users = await prisma.appUser.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } });
  return new Map(users.map((u) => [u.id, u.displayName]));
}
