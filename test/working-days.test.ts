import { addWorkingDays, deadlineFor, endOfLondonDay, isWorkingDay } from '../lib/working-days';

describe('working days in England and Wales', () => {
  it('skips weekends and bank holidays, including substitute days', () => {
    expect(isWorkingDay('2026-12-24')).toBe(true);
    expect(isWorkingDay('2026-12-25')).toBe(false); // Christmas Day
    expect(isWorkingDay('2026-12-28')).toBe(false); // Boxing Day, substitute Monday
    expect(isWorkingDay('2026-04-06')).toBe(false); // Easter Monday
    expect(isWorkingDay('2026-11-28')).toBe(false); // a Saturday
  });

  it('counts 10 working days across Christmas from a Wednesday', () => {
    // Wed 23 Dec 2026: 24, 29, 30, 31 Dec, 4-8 Jan, 11 Jan (25, 28 Dec and 1 Jan are bank holidays).
    expect(addWorkingDays(new Date('2026-12-23T10:00:00Z'), 10)).toBe('2027-01-11');
  });

  it('ends a London day at midnight London time, in summer and in winter', () => {
    expect(endOfLondonDay('2026-07-01').toISOString()).toBe('2026-07-01T22:59:59.999Z');
    expect(endOfLondonDay('2026-12-01').toISOString()).toBe('2026-12-01T23:59:59.999Z');
  });

  it('puts the reminder the policy number of working days before the due date', () => {
    expect(deadlineFor('2026-11-23T09:00:00Z', 10, 2, { kind: 'england-and-wales' })).toEqual({
      dueAt: '2026-12-07T23:59:59.999Z',
      reminderAt: '2026-12-03T23:59:59.999Z',
    });
  });

  it('compresses a working day for tests, and sends no reminder for a task shorter than the reminder period', () => {
    expect(deadlineFor('2026-11-23T09:00:00.000Z', 2, 1, { kind: 'compressed', workingDayMs: 500 })).toEqual({
      dueAt: '2026-11-23T09:00:01.000Z',
      reminderAt: '2026-11-23T09:00:00.500Z',
    });
    expect(deadlineFor('2026-11-23T09:00:00.000Z', 1, 2, { kind: 'compressed', workingDayMs: 500 })).toEqual({
      dueAt: '2026-11-23T09:00:00.500Z',
    });
  });
});
