import type { PrismaClient } from './db';
import { londonDate } from './working-days';

// Out-of-office delegation (table `absence`): who covers whom today. One step only: a delegate who is
// away themselves does not pass what they cover on to their own delegate.

/** Today in London as the DATE columns hold it. */
const today = (at: Date) => new Date(`${londonDate(at)}T00:00:00Z`);
const inForce = (at: Date) => ({ cancelledAt: null, startsOn: { lte: today(at) }, endsOn: { gte: today(at) } });

/** The people `delegateId` covers today (in `council`, or any), whose tasks they may see and decide. */
export async function coveredBy(prisma: PrismaClient, delegateId: string, council?: string, at = new Date()): Promise<string[]> {
  const rows = await prisma.absence.findMany({
    where: { delegateId, ...(council ? { council } : {}), ...inForce(at) },
    select: { userId: true },
  });
  return [...new Set(rows.map((r) => r.userId))];
}

/** The email addresses of whoever covers today for the people with these addresses: they receive their emails too. */
export async function delegatesOfAddresses(prisma: PrismaClient, addresses: string[], at = new Date()): Promise<string[]> {
  if (addresses.length === 0) return [];
  const rows = await prisma.absence.findMany({
    where: { user: { email: { in: addresses, mode: 'insensitive' } }, ...inForce(at) },
    select: { delegate: { select: { email: true } } },
  });
  return [...new Set(rows.map((r) => r.delegate.email).filter((e): e is string => Boolean(e)))];
}
