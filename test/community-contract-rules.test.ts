import type { RedressCase, Standard } from '../workflows/communitycontract/messages';
import { median, redressRefusal, reportRefusal, standardsRefusal, yearFigures } from '../workflows/communitycontract/rules';

// The community contract's rules and sums, worked out once in workflows/communitycontract/rules.ts:
// what the review report states and what a refusal says.

const partners = [
  { key: 'org:street-services', organisation: 'Street Services', kind: 'council_service' as const, actsForIt: 'Pat' },
  { key: 'org:home-group', organisation: 'Home Group', kind: 'landlord' as const, actsForIt: 'Jo' },
];
const priorities = [
  { key: 'street_lighting', topic: 'street_lighting' as const, name: 'Street lighting', rank: 1 },
  { key: 'other-dog-fouling', topic: 'other' as const, name: 'Dog fouling', rank: 2 },
];
const terms = (
  priority: string,
  partner: string,
  measured: { withinWorkingDays?: number; howOften?: string } = { withinWorkingDays: 5 },
) => ({
  priority,
  partner,
  whatIsDone: 'done',
  ...measured,
  residentsCommit: [],
  whatResidentsDo: 'report it',
  redress: { putRightWithinWorkingDays: 5, apology: true },
});
const standard = (key: string, partner: string): Standard => ({
  key,
  priority: key.split('/')[0] as string,
  partner,
  whatIsDone: 'done',
  withinWorkingDays: 5,
  residentsCommit: [],
  whatResidentsDo: 'report it',
  redress: { putRightWithinWorkingDays: 5, apology: true, compensationUpToPence: 5_000 },
});
const DAY = 86_400_000;
const at = (day: number) => new Date(Date.UTC(2027, 0, 1) + day * DAY).toISOString();
const redressCase = (number: number, key: string, opened: number, closed?: number, paid: number[] = [], referred = false): RedressCase => ({
  number,
  standard: key,
  partner: 'org:street-services',
  report: { period: 1, whatHappened: 'missed' },
  openedAt: at(opened),
  stage: 1,
  redressGiven: paid.map((p) => ({ compensationPaidPence: p, stage: 1, by: { userId: 'u', role: 'partner' }, at: at(opened + 1) })),
  ...(closed === undefined ? {} : { closedAt: at(closed), closing: referred ? 'referred_to_ombudsman' : 'redress_accepted' }),
});

describe('the community contract’s rules', () => {
  it('CC-R2: a standard for every agreed priority, once per partner, by a partner of the contract, measurable', () => {
    const lighting = terms('street_lighting', 'Street Services');
    const dogs = terms('other-dog-fouling', 'Home Group', { howOften: 'every week' });
    expect(standardsRefusal([lighting, dogs], priorities, partners)).toBeUndefined();
    expect(standardsRefusal([lighting], priorities, partners)).toBe(
      'CC-R2: every agreed priority has a standard; without one: Dog fouling',
    );
    expect(standardsRefusal([lighting, dogs, lighting], priorities, partners)).toContain('given twice: street_lighting/street-services');
    expect(standardsRefusal([lighting, terms('other-dog-fouling', 'The Police')], priorities, partners)).toContain(
      'The Police is not a partner to the contract',
    );
    expect(standardsRefusal([lighting, terms('litter', 'Home Group')], priorities, partners)).toContain('litter is not an agreed priority');
    expect(standardsRefusal([lighting, terms('other-dog-fouling', 'Home Group', {})], priorities, partners)).toContain(
      'other-dog-fouling/home-group says within how many working days, or how often',
    );
  });

  it('takes a champions’ report that covers each standard once, a missed one saying what happened', () => {
    const standards = [standard('street_lighting/street-services', 'org:street-services')];
    expect(reportRefusal([{ standard: 'street_lighting/street-services', outcome: 'met' }], standards)).toBeUndefined();
    expect(reportRefusal([], standards)).toContain('not reported: street_lighting/street-services');
    expect(reportRefusal([{ standard: 'street_lighting/street-services', outcome: 'missed' }], standards)).toContain(
      'a missed standard says what happened',
    );
  });

  it('CC-R3: redress within the ladder, counting what the case has paid already', () => {
    const ladder = { putRightWithinWorkingDays: 5, apology: true, compensationUpToPence: 5_000 };
    expect(redressRefusal({ compensationPaidPence: 5_000 }, ladder, 0)).toBeUndefined();
    expect(redressRefusal({ compensationPaidPence: 3_000 }, ladder, 3_000)).toBe(
      'CC-R3: compensation for this standard is up to £50.00 a case, as agreed (£30.00 paid already)',
    );
    expect(redressRefusal({}, ladder, 0)).toContain('the redress says what was given');
    expect(redressRefusal({ compensationPaidPence: 1 }, { putRightWithinWorkingDays: 5, apology: true }, 0)).toBe(
      'CC-R3: no compensation was agreed for this standard',
    );
  });

  it('sums a year per standard and in total: reports, cases resolved and referred, the median days to resolve, compensation', () => {
    const lighting = 'street_lighting/street-services';
    const dogs = 'other-dog-fouling/street-services';
    const standards = [standard(lighting, 'org:street-services'), standard(dogs, 'org:street-services')];
    const reports = [
      { period: 1, at: at(30), outcomes: { [lighting]: 'missed' as const, [dogs]: 'met' as const } },
      { period: 2, at: at(60), outcomes: { [lighting]: 'missed' as const, [dogs]: 'not_checked' as const } },
    ];
    const cases = [
      redressCase(1, lighting, 30, 34, [1_000]),
      redressCase(2, lighting, 60, 70, [500, 700]),
      redressCase(3, dogs, 61, 90, [], true),
      redressCase(4, dogs, 62),
    ];
    const figures = yearFigures(1, standards, reports, cases, { kind: 'england-and-wales' });
    expect(figures.standards).toEqual([
      {
        standard: lighting,
        reports: 2,
        met: 0,
        missed: 2,
        casesOpened: 2,
        casesResolved: 2,
        casesReferred: 0,
        medianDaysToResolve: 7,
        compensationPaidPence: 2_200,
      },
      { standard: dogs, reports: 1, met: 1, missed: 0, casesOpened: 2, casesResolved: 0, casesReferred: 1, compensationPaidPence: 0 },
    ]);
    expect(figures.totals).toEqual({
      reports: 3,
      met: 1,
      missed: 2,
      casesOpened: 4,
      casesResolved: 2,
      casesReferred: 1,
      medianDaysToResolve: 7,
      compensationPaidPence: 2_200,
    });
  });

  it('takes the median of an odd count as its middle, of an even count as the mean of the middle two', () => {
    expect(median([])).toBeUndefined();
    expect(median([9, 1, 4])).toBe(4);
    expect(median([9, 1, 4, 2])).toBe(3);
  });
});
