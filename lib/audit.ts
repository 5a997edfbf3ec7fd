import { createHash } from 'node:crypto';
import type { PrismaClient } from './db';
import type { Prisma } from '../prisma/generated/client';

// The audit log: every state-changing command, chained by hashes so that changing, removing or
// inserting an entry breaks the chain at that entry. The database also refuses UPDATE, DELETE and
// TRUNCATE on the table (migration 20261123030000_audit_log).

const GENESIS = '0'.repeat(64);
// Serialises appends, so each entry's predecessor is the one before it in `seq`.
const AUDIT_APPEND_LOCK = 4_108_231;

export interface AuditEntry {
  actorUserId: string;
  actorRole?: string;
  tokenId?: string;
  action: string;
  processId?: string;
  details: Record<string, unknown>;
}

/** JSON with keys sorted at every level, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

interface ChainedFields {
  seq: bigint;
  at: Date;
  actorUserId: string;
  actorRole: string | null;
  tokenId: string | null;
  action: string;
  processId: string | null;
  details: unknown;
  prevHash: string;
}

export function entryHash(entry: ChainedFields): string {
  const content = canonicalJson({
    seq: entry.seq.toString(),
    at: entry.at.toISOString(),
    actorUserId: entry.actorUserId,
    actorRole: entry.actorRole,
    tokenId: entry.tokenId,
    action: entry.action,
    processId: entry.processId,
    details: entry.details,
  });
  return createHash('sha256').update(`${entry.prevHash}\n${content}`).digest('hex');
}

/** Appends one entry after the last, in one transaction. */
export async function appendAudit(prisma: PrismaClient, entry: AuditEntry): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_APPEND_LOCK})`;
    const last = await tx.auditLog.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
    const fields: ChainedFields = {
      seq: (last?.seq ?? 0n) + 1n,
      at: new Date(),
      actorUserId: entry.actorUserId,
      actorRole: entry.actorRole ?? null,
      tokenId: entry.tokenId ?? null,
      action: entry.action,
      processId: entry.processId ?? null,
      // Stored as the JSON it hashes to, so what is read back hashes the same.
      details: JSON.parse(canonicalJson(entry.details)) as unknown,
      prevHash: last?.hash ?? GENESIS,
    };
    await tx.auditLog.create({ data: { ...fields, details: fields.details as Prisma.InputJsonValue, hash: entryHash(fields) } });
  });
}

export interface AuditVerification {
  intact: boolean;
  entries: number;
  /** The first entry whose link is broken, and how. */
  firstBroken?: { seq: string; problem: string };
}

/** Walks the chain from the start and reports the first entry that does not follow from the one before. */
export async function verifyAuditLog(prisma: PrismaClient): Promise<AuditVerification> {
  let prevHash = GENESIS;
  let expectedSeq = 1n;
  let entries = 0;
  for (let cursor: bigint | undefined; ; ) {
    const batch = await prisma.auditLog.findMany({ where: cursor === undefined ? {} : { seq: { gt: cursor } }, orderBy: { seq: 'asc' }, take: 1_000 });
    if (batch.length === 0) return { intact: true, entries };
    for (const row of batch) {
      const seq = row.seq.toString();
      if (row.seq !== expectedSeq) return { intact: false, entries, firstBroken: { seq, problem: `expected entry ${expectedSeq} here: an entry is missing` } };
      if (row.prevHash !== prevHash) return { intact: false, entries, firstBroken: { seq, problem: 'does not point to the hash of the entry before it' } };
      if (entryHash(row) !== row.hash) return { intact: false, entries, firstBroken: { seq, problem: 'its content does not match its hash: it was changed' } };
      prevHash = row.hash;
      expectedSeq += 1n;
      entries += 1;
    }
    cursor = batch[batch.length - 1]!.seq;
  }
}
