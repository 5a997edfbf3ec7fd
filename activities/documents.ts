import { createHash, randomUUID } from 'node:crypto';
import PDFDocument from 'pdfkit';
import { Prisma } from '../prisma/generated/client';
import type { PrismaClient } from '../lib/db';
import type { Actor } from '../workflows/common/roles';
import type { PoolClient } from 'pg';
import { inTransaction, jsonb, runStatement } from '../lib/statement';
import type { GenerateDocumentInput, GeneratedDocument } from '../workflows/common/engine-types';
import { dateInWords, inWords } from '../workflows/common/format';

/** Renders a plain, accessible A4 PDF: title, process reference, then each section. */
export function renderPdf(input: GenerateDocumentInput): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Dated from the workflow, so the file records when the step happened, not when it was rendered.
    const doc = new PDFDocument({
      size: 'A4',
      margin: 56,
      info: { Title: input.title, Author: 'housing-governance', Subject: input.process.title, CreationDate: new Date(input.at) },
      lang: 'en-GB',
      displayTitle: true,
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.font('Helvetica-Bold').fontSize(18).text(input.title);
    doc
      .moveDown(0.5)
      .font('Helvetica')
      .fontSize(10)
      .text(`${input.process.title}`)
      .text(`Reference: ${input.process.processId}`)
      .text(`Step: ${inWords(input.step)}`)
      .text(`Date: ${dateInWords(input.at)}`);
    for (const section of input.sections) {
      doc.moveDown().font('Helvetica-Bold').fontSize(12).text(section.heading);
      doc.font('Helvetica').fontSize(11);
      for (const line of section.lines) doc.text(line);
    }
    doc.end();
  });
}

export const sha256 = (content: Uint8Array): string => createHash('sha256').update(content).digest('hex');

/**
 * Makes a process document once per key: a retry after a crash returns the one already stored. One
 * statement numbers the version (the process's documents of this kind, plus one) and stores it, under
 * a lock on the process and kind held to the end of its transaction: the child workflows of one
 * process (an SLA set's negotiations) record decisions at the same moment, and two numberings at once
 * would take the same version.
 */
export async function generateDocument(prisma: PrismaClient, input: GenerateDocumentInput): Promise<GeneratedDocument> {
  const content = await renderPdf(input);
  return inTransaction(prisma, (db) => storeDocument(db, input, content));
}

/**
 * Stores a rendered document as the next version of its kind, once per key, in the caller's
 * transaction (its lock is held to the transaction's end); a retry gets the one stored before.
 */
export async function storeDocument(db: PoolClient, input: GenerateDocumentInput, content: Buffer): Promise<GeneratedDocument> {
  const dedupeKey = documentKey(input);
  await runStatement(
    db,
    Prisma.sql`SELECT pg_advisory_xact_lock(hashtextextended(${`document:${input.process.processId}:${input.kind}`}, 0))`,
  );
  const stored = await runStatement<StoredRow>(
    db,
    Prisma.sql`
    INSERT INTO document (id, dedupe_key, process_id, step, kind, title, version, sha256, media_type, size_bytes, content, created_at, public)
    SELECT ${randomUUID()}, ${dedupeKey}, ${input.process.processId}, ${input.step}, ${input.kind}, ${input.title}, COALESCE(MAX(version), 0) + 1, ${sha256(content)}, 'application/pdf', ${content.length}, ${content}, ${new Date(input.at)}, ${input.public === true}
    FROM document WHERE process_id = ${input.process.processId} AND kind = ${input.kind}
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, sha256, version`,
  );
  const [row] = stored.length
    ? stored
    : await runStatement<StoredRow>(db, Prisma.sql`SELECT id, sha256, version FROM document WHERE dedupe_key = ${dedupeKey}`);
  if (!row) throw new Error(`document ${dedupeKey} was neither stored nor found`);
  return { documentId: row.id, sha256: row.sha256, version: Number(row.version) };
}

type StoredRow = { id: string; sha256: string; version: number };

/** A document's key across processes: stored, or asked to be rendered, once per key. */
const documentKey = (input: GenerateDocumentInput): string => `${input.process.processId}:${input.key}`;

/** What a document to render is for: the timeline entry that lists it once it exists, and who the audit entry of its hash names. */
interface DocumentFor {
  timelineEntryId: string;
  actor: Actor;
}

/**
 * A document to render after the write that asks for it (a part of that write, see `oneStatement`):
 * `worker/document-renderer.ts` renders it, stores it once, adds it to `timelineEntryId`'s entry and
 * audits its hash. Once per document key, so a retried write asks once.
 */
export function documentToRender(input: GenerateDocumentInput, { timelineEntryId, actor }: DocumentFor): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO document_job (dedupe_key, process_id, input, timeline_entry_id, actor)
    VALUES (${documentKey(input)}, ${input.process.processId}, ${jsonb(input)}, ${timelineEntryId}, ${jsonb(actor)})
    ON CONFLICT (dedupe_key) DO NOTHING`;
}
