// `npm run audit:verify`: checks the audit log's hash chain; exits 1 at the first broken link.
import { launcherConfigSchema, parseConfig } from '../lib/config';
import { verifyAuditLog } from '../lib/audit';
import { createPrisma } from '../lib/db';
import { embeddedDatabaseUrl } from './lib/embedded-postgres';

const config = parseConfig(launcherConfigSchema);
const prisma = createPrisma(config.DATABASE_URL ?? embeddedDatabaseUrl(config.EMBEDDED_PG_PORT));
verifyAuditLog(prisma)
  .then((result) => {
    if (result.intact) console.log(`audit log intact: ${result.entries} entries`);
    else
      console.error(
        `audit log broken at entry ${result.firstBroken?.seq}: ${result.firstBroken?.problem} (${result.entries} entries before it are intact)`,
      );
    process.exitCode = result.intact ? 0 : 1;
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => void prisma.$disconnect());
