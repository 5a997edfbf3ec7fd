#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on our machines.
# `prisma generate` needs only its path; migrations are applied by scripts/lib/migrate.ts.
echo "housing-governance: no Prisma schema engine here; apply migrations with 'npm run migrate' (see README)" >&2
exit 1
