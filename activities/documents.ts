import { createHash, randomUUID } from 'node:crypto';
import PDFDocument from 'pdfkit';
import type { PrismaClient } from '../lib/db';
import type { GenerateDocumentInput, GeneratedDocument } from '../workflows/common/engine-types';

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
    doc.moveDown(0.5).font('Helvetica').fontSize(10).text(`${input.process.title}`).text(`Reference: ${input.process.processId}`).text(`Step: ${input.step}`).text(`Date: ${input.at}`);
    for (const section of input.sections) {
      doc.moveDown().font('Helvetica-Bold').fontSize(12).text(section.heading);
      doc.font('Helvetica').fontSize(11);
      for (const line of section.lines) doc.text(line);
    }
    doc.end();
  });
}

export const sha256 = (content: Uint8Array): string => createHash('sha256').update(content).digest('hex');

/** Makes a process document once per key: a retry after a crash returns the one already stored. */
export async function generateDocument(prisma: PrismaClient, input: GenerateDocumentInput): Promise<GeneratedDocument> {
  const dedupeKey = `${input.process.processId}:${input.key}`;
  const existing = await prisma.document.findUnique({ where: { dedupeKey } });
  if (existing) return { documentId: existing.id, sha256: existing.sha256, version: existing.version };
  const content = await renderPdf(input);
  const id = randomUUID();
  const hash = sha256(content);
  return prisma.$transaction(async (tx) => {
    const earlier = await tx.document.count({ where: { processId: input.process.processId, kind: input.kind } });
    const created = await tx.document.createManyAndReturn({
      data: [
        {
          id,
          dedupeKey,
          processId: input.process.processId,
          step: input.step,
          kind: input.kind,
          title: input.title,
          version: earlier + 1,
          sha256: hash,
          mediaType: 'application/pdf',
          sizeBytes: content.length,
          content: new Uint8Array(content),
          createdAt: new Date(input.at),
        },
      ],
      skipDuplicates: true,
    });
    const stored = created[0] ?? (await tx.document.findUniqueOrThrow({ where: { dedupeKey } }));
    return { documentId: stored.id, sha256: stored.sha256, version: stored.version };
  });
}
