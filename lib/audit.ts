import { createHash } from 'node:crypto';
import { Prisma } from '../prisma/generated/client';
import type { PrismaClient } from './db';
import { oneStatement, type WritePart } from './statement';

// The audit log: every state-changing command, chained by hashes so that changing, removing or
// inserting an entry breaks the chain at that entry. The database also refuses UPDATE, DELETE and
// TRUNCATE on the table (migration 20261123030000_audit_log).

const GENESIS = '0'.repeat(64);

export interface AuditEntry {
  actorUserId: string;
  actorRole?: string;
  tokenId?: string;
  action: string;
  processId?: string;
  details: Record<string, unknown>;
  /** What the entry records, unique: appending the same key again adds nothing (a retried write). */
  commandKey?: string;
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

/** Stands in for `seq` while the canonical JSON is cut in two around it. */
const SEQ_MARK = '\u0000seq\u0000';

/**
 * The parts of a write (see `oneStatement`) that append one entry after the last, so it joins the
 * statement of the change it records. It updates the chain's head row, whose row lock serialises
 * appends inside PostgreSQL (a waiting append re-reads the new head), and hashes there: the content's
 * canonical JSON is built here around the `seq` PostgreSQL assigns, exactly as `entryHash` builds it.
 * One entry per statement (the head is updated once).
 */
export function auditEntry(entry: AuditEntry, at: Date = new Date()): WritePart[] {
  const fields = {
    at: at.toISOString(),
    actorUserId: entry.actorUserId,
    actorRole: entry.actorRole ?? null,
    tokenId: entry.tokenId ?? null,
    action: entry.action,
    processId: entry.processId ?? null,
    details: JSON.parse(canonicalJson(entry.details)) as unknown,
  };
  // Keys in canonical (sorted) order: action, actorRole, actorUserId, at, details, processId, seq, tokenId.
  const canonical = canonicalJson({ ...fields, seq: SEQ_MARK });
  const [before, after] = canonical.split(JSON.stringify(SEQ_MARK)) as [string, string];
  const key = entry.commandKey ?? null;
  return [
    {
      as: 'audit_head',
      sql: Prisma.sql`
      UPDATE audit_head
      SET seq = seq + 1, prev_hash = hash,
          hash = encode(sha256(convert_to(hash || E'\n' || ${before} || '"' || (seq + 1)::text || '"' || ${after}, 'UTF8')), 'hex')
      WHERE id = 1 AND (${key}::text IS NULL OR NOT EXISTS (SELECT 1 FROM audit_log WHERE command_key = ${key}::text))
      RETURNING seq, prev_hash, hash`,
    },
    Prisma.sql`
    INSERT INTO audit_log (seq, at, actor_user_id, actor_role, token_id, action, process_id, details, prev_hash, hash, command_key)
    SELECT seq, ${at}, ${fields.actorUserId}, ${fields.actorRole}, ${fields.tokenId}, ${fields.action}, ${fields.processId}, ${canonicalJson(fields.details)}::jsonb, prev_hash, hash, ${key}::text
    FROM audit_head`,
  ];
}

/** Appends one entry after the last: one statement, so it can join the transaction of the change it records (`prisma.$transaction([...])`). */
export const appendAudit = (prisma: PrismaClient, entry: AuditEntry, at: Date = new Date()) =>
  prisma.$executeRaw(oneStatement(auditEntry(entry, at)));

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
  for (let cursor: bigint | undefined; ;) {
    const batch = await prisma.auditLog.findMany({
      where: cursor === undefined ? {} : { seq: { gt: cursor } },
      orderBy: { seq: 'asc' },
      take: 1_000,
    });
    if (batch.length === 0) return { intact: true, entries };
    for (const row of batch) {
      const seq = row.seq.toString();
      if (row.seq !== expectedSeq)
        return { intact: false, entries, firstBroken: { seq, problem: `expected entry ${expectedSeq} here: an entry is missing` } };
      if (row.prevHash !== prevHash)
        return { intact: false, entries, firstBroken: { seq, problem: 'does not point to the hash of the entry before it' } };
      if (entryHash(row) !== row.hash)
        return { intact: false, entries, firstBroken: { seq, problem: 'its content does not match its hash: it was changed' } };
      prevHash = row.hash;
      expectedSeq += 1n;
      entries += 1;
    }
    cursor = batch[batch.length - 1]!.seq;
  }
}
