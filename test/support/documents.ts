import { eventually } from './eventually';
import { pdfText } from './pdf';
import { callApi, type TestStack, type TestUser } from './stack';

// A process's documents as an auditor reads them: the list, and each PDF's text.

/** Waits until the decision records the process's decisions asked for are rendered (just after each decision). */
export const recordsRendered = (stack: TestStack, processId: string) =>
  eventually(async () => expect(await stack.prisma.documentJob.count({ where: { processId, status: 'pending' } })).toBe(0));

export const documentsOf = async (stack: TestStack, processId: string, as: TestUser) => {
  await recordsRendered(stack, processId);
  return (
    await callApi<{ items: { id: string; kind: string; title: string; sha256: string; public: boolean }[] }>(
      stack.baseUrl,
      'GET',
      `/processes/${processId}/documents`,
      { as },
    )
  ).body.items;
};

/** A document's text with its white space folded to single spaces (pdfkit breaks lines where it likes). */
export async function documentText(stack: TestStack, id: string, as: TestUser): Promise<string> {
  const response = await fetch(`${stack.baseUrl}/documents/${id}`, { headers: { authorization: `Bearer ${as.token}` } });
  if (response.status !== 200) throw new Error(`document ${id}: ${response.status}`);
  return pdfText(Buffer.from(await response.arrayBuffer())).replace(/·?\s+/g, ' ');
}
