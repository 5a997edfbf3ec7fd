import { monthsLater } from '../workflows/common/policy';
import type { SlaServiceState } from '../workflows/sla/messages';
import { impactOf, valueForMoneyGap } from '../workflows/sla/rules';

// The sums the SLA documents state: months of notice and terms, value-for-money gaps, the impact report.

describe('months of notice and of an SLA term', () => {
  const calendar = { kind: 'england-and-wales' } as const;

  it('fall on the same day of the month, or the last day of a shorter month', () => {
    expect(monthsLater(calendar, '2027-04-01T00:00:00.000Z', 6)).toBe('2027-10-01T00:00:00.000Z');
    expect(monthsLater(calendar, '2027-01-31T09:30:00.000Z', 1)).toBe('2027-02-28T09:30:00.000Z');
    expect(monthsLater(calendar, '2028-01-31T00:00:00.000Z', 1)).toBe('2028-02-29T00:00:00.000Z');
  });

  it('count back across a year for a renegotiation that opens before expiry', () => {
    expect(monthsLater(calendar, '2030-01-01T00:00:00.000Z', -6)).toBe('2029-07-01T00:00:00.000Z');
    expect(monthsLater(calendar, '2027-03-31T00:00:00.000Z', -36)).toBe('2024-03-31T00:00:00.000Z');
  });

  it('are 30 compressed days each in a compressed calendar', () => {
    expect(monthsLater({ kind: 'compressed', workingDayMs: 100 }, '2027-01-01T00:00:00.000Z', 2)).toBe('2027-01-01T00:00:06.000Z');
  });
});

describe('the value-for-money gap of a service', () => {
  it('is negative when the council is cheaper than its comparator, and rounds to the penny', () => {
    expect(valueForMoneyGap({ annualChargePence: 1_000_000, unitCostPence: 300, unit: 'payslip', kpis: [] }, 333)).toEqual({
      comparatorUnitCostPence: 333,
      unitCostGapPence: -33,
      annualGapPence: -110_000,
      percent: -11,
    });
  });
});

describe('the impact report', () => {
  const service = (key: string, annualChargePence: number, outcome: SlaServiceState['outcome']): SlaServiceState => ({
    key,
    service: 'other',
    name: key,
    serviceLead: { userId: 'lead', name: 'Head of Service' },
    terms: { annualChargePence, unitCostPence: 100, unit: 'unit', kpis: [] },
    ...(outcome ? { outcome } : {}),
  });
  const by = { userId: 'u', role: 'almo_board' } as const;

  it('counts a retracted service as no income from the end of its notice, and a rise as a rise', () => {
    const report = impactOf(
      [
        service('a', 10_000, {
          kind: 'retracted',
          retraction: { reasons: 'cheaper elsewhere', noticeMonths: 6, noticeEndsAt: '2027-10-01T00:00:00.000Z' },
          rounds: 1,
          decidedBy: by,
          decidedAt: '2027-04-01T00:00:00.000Z',
        }),
        service('b', 20_000, {
          kind: 'revised',
          terms: { annualChargePence: 25_000, unitCostPence: 120, unit: 'unit', kpis: [] },
          rounds: 2,
          decidedBy: by,
          decidedAt: '2027-04-01T00:00:00.000Z',
        }),
      ],
      '2027-06-01T00:00:00.000Z',
    );
    expect(report.services.map((s) => [s.key, s.afterPence, s.changePence, s.from])).toEqual([
      ['a', 0, -10_000, '2027-10-01T00:00:00.000Z'],
      ['b', 25_000, 5_000, '2027-06-01T00:00:00.000Z'],
    ]);
    expect(report).toMatchObject({
      totalBeforePence: 30_000,
      totalAfterPence: 25_000,
      totalChangePence: -5_000,
      totalChangePercent: -16.7,
      boughtElsewhere: [{ key: 'a', noticeEndsAt: '2027-10-01T00:00:00.000Z' }],
    });
  });
});
