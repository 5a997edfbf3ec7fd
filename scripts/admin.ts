// `npm run admin -- <command>`: users, role grants and API tokens, written straight to the database.
// Against DATABASE_URL, or the embedded PostgreSQL of a running `npm start` when it is unset.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { existsSync, readFileSync } from 'node:fs';
import { launcherConfigSchema, parseConfig, type LauncherConfig } from '../lib/config';
import { appendAudit } from '../lib/audit';
import { createPrisma } from '../lib/db';
import { ANY_COUNCIL, createUser, grantRole, nameCouncil, newToken, revokeToken } from '../lib/identity';
import { groupKeyOf, organisationKeyOf } from '../workflows/common/process';
import { isScoped, ROLES } from '../workflows/common/roles';
import { embeddedDatabaseUrl } from './lib/embedded-postgres';
import { RUNNING_DATABASE_FILE } from './lib/paths';
import { councilSlug, userId } from '../lib/field-schemas';

const USAGE = `usage:
  npm run admin -- user <user-id> --name "<display name>" [--email <address>] [--sign-in <identity provider claim, e.g. Entra oid>]
  npm run admin -- grant <user-id> <role> <council|*> [--group "<group name>" | --organisation "<partner organisation name>"]
  npm run admin -- token <user-id> [--label "<what it is for>"]
  npm run admin -- revoke <token-id>
  npm run admin -- council <council> --name "<name documents use, e.g. Westminster City Council>"
roles: ${ROLES.join(', ')}  ('*' as council: every council)`;

const id = userId;
const council = z.union([z.literal(ANY_COUNCIL), councilSlug]);

/** The database: DATABASE_URL; else the one a running `npm start` noted; else the embedded default port. */
function databaseToUse(config: LauncherConfig): { url: string; from: string } {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, from: 'DATABASE_URL' };
  if (existsSync(RUNNING_DATABASE_FILE)) {
    const noted = z.object({ url: z.string().min(1) }).safeParse(JSON.parse(readFileSync(RUNNING_DATABASE_FILE, 'utf8')));
    if (noted.success) return { url: noted.data.url, from: `noted by npm start in ${RUNNING_DATABASE_FILE}` };
  }
  return { url: embeddedDatabaseUrl(config.EMBEDDED_PG_PORT), from: `npm start's embedded PostgreSQL on port ${config.EMBEDDED_PG_PORT}` };
}

const withoutPassword = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      'sign-in': { type: 'string' },
      group: { type: 'string' },
      organisation: { type: 'string' },
      label: { type: 'string' },
    },
  });
  const [command, ...args] = positionals;
  const config = parseConfig(launcherConfigSchema);
  const database = databaseToUse(config);
  const prisma = createPrisma(database.url);
  try {
    await prisma.$queryRaw`SELECT 1`;
  } catch {
    await prisma.$disconnect();
    throw new Error(
      `cannot reach the database at ${withoutPassword(database.url)} (${database.from}).\nIs \`npm start\` running? Otherwise set DATABASE_URL to the service's database.`,
    );
  }
  // Changes made here are commands too: they go to the audit log under the operating-system user, each
  // in the transaction of its change.
  const audit = (action: string, details: Record<string, unknown>) =>
    appendAudit(prisma, { actorUserId: `cli:${userInfo().username}`, action: `admin.${action}`, details });
  try {
    switch (command) {
      case 'user': {
        const user = z
          .object({ id, displayName: z.string().min(1), email: z.email().optional(), signInSubject: z.string().min(1).max(256).optional() })
          .parse({ id: args[0], displayName: values.name, email: values.email, signInSubject: values['sign-in'] });
        await prisma.$transaction([
          createUser(prisma, user),
          audit('user', { userId: user.id, displayName: user.displayName, email: user.email, signInSubject: user.signInSubject }),
        ]);
        console.log(`user ${user.id} saved`);
        break;
      }
      case 'grant': {
        const grant = z
          .object({ userId: id, role: z.enum(ROLES), council, groupKey: z.string().default('') })
          .refine(
            (g) => isScoped(g.role) === (g.groupKey !== ''),
            'a resident_rep grant names its group (--group), a partner its organisation (--organisation), and only they',
          )
          // A group or organisation is named as people know it; its key is derived as the service derives it.
          .parse({
            userId: args[0],
            role: args[1],
            council: args[2],
            groupKey:
              args[1] === 'partner'
                ? values.organisation && organisationKeyOf(values.organisation)
                : values.group === undefined
                  ? undefined
                  : groupKeyOf(values.group),
          });
        await prisma.$transaction([grantRole(prisma, grant.userId, grant), audit('grant', grant)]);
        console.log(`${grant.userId} is ${grant.role} in ${grant.council}${grant.groupKey ? ` for ${grant.groupKey}` : ''}`);
        break;
      }
      case 'token': {
        const userId = id.parse(args[0]);
        const { tokenId, token, write } = newToken(prisma, userId, values.label ?? 'issued by npm run admin');
        await prisma.$transaction([write, audit('token', { userId, tokenId, label: values.label })]);
        console.log(`token ${tokenId} for ${userId} (shown once, store it now):\n${token}`);
        break;
      }
      case 'council': {
        const record = z.object({ slug: councilSlug, name: z.string().trim().min(1).max(200) }).parse({ slug: args[0], name: values.name });
        await prisma.$transaction([nameCouncil(prisma, record), audit('council', record)]);
        console.log(`council ${record.slug} is "${record.name}"`);
        break;
      }
      case 'revoke': {
        const tokenId = z.uuid().parse(args[0]);
        const found = await prisma.apiToken.findUnique({ where: { id: tokenId }, select: { revokedAt: true } });
        if (!found || found.revokedAt) throw new Error(`no token ${tokenId} in use`);
        await prisma.$transaction([revokeToken(prisma, tokenId), audit('revoke', { tokenId })]);
        console.log(`token ${args[0]} revoked`);
        break;
      }
      default:
        console.error(USAGE);
        process.exitCode = 2;
    }
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof z.ZodError ? `${z.prettifyError(err)}\n\n${USAGE}` : err instanceof Error ? err.message : err);
  process.exit(1);
});
