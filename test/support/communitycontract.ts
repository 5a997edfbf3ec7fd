import { organisationKeyOf } from '../../workflows/common/process';
import { councilName } from './lma';
import { callApi, uniqueCouncil, type TestStack, type TestUser } from './stack';
import { decide } from './tasks';

// A community contract for Plains Farm (after the Sunderland pilot the source names): its residents'
// association, the council's street services, the police and a housing association landlord, on a
// compressed policy: a day of 100 ms, so a month is 3 s; the champions report monthly and the
// standards are reviewed every two months (a year of the contract is two periods here).

export const compressedContractPolicy = {
  calendar: { kind: 'compressed', workingDayMs: 100 },
  reminderWorkingDaysBefore: 1,
  communitycontract: {
    groupStepWorkingDays: 20,
    councilStepWorkingDays: 20,
    signingWorkingDays: 20,
    reportEveryMonths: 1,
    reportWorkingDays: 20,
    reviewEveryMonths: 2,
    stage1AcknowledgeWorkingDays: 5,
    stage1AnswerWorkingDays: 10,
    stage2AcknowledgeWorkingDays: 5,
    stage2AnswerWorkingDays: 20,
  },
};

export const GROUP = 'Plains Farm Residents Association';
export const PARTNERS = {
  streets: { organisation: 'Street Services', kind: 'council_service', actsForIt: 'Pat Okafor' },
  police: { organisation: 'Northumbria Police', kind: 'police', actsForIt: 'Sergeant Lee' },
  landlord: { organisation: 'Home Group', kind: 'landlord', actsForIt: 'Jo Grant' },
} as const;
export type PartnerName = keyof typeof PARTNERS;

/** A council of its own with the people a contract needs, each with a token, and the compressed policy. */
export interface ContractCast {
  council: string;
  programmeManager: TestUser;
  housingManager: TestUser;
  residents: TestUser;
  auditor: TestUser;
  partners: Record<PartnerName, TestUser>;
}

export async function contractCast(stack: TestStack): Promise<ContractCast> {
  const council = uniqueCouncil();
  await stack.prisma.council.create({ data: { slug: council, name: councilName(council), updatedAt: new Date() } });
  const partner = (name: PartnerName) =>
    stack.user({ council, role: 'partner', groupKey: organisationKeyOf(PARTNERS[name].organisation), name: PARTNERS[name].actsForIt });
  const cast: ContractCast = {
    council,
    programmeManager: await stack.user({ council, role: 'programme_manager', name: 'Sam Patel' }),
    housingManager: await stack.user({ council, role: 'housing_manager' }),
    residents: await stack.user({ council, role: 'resident_rep', groupKey: 'plains-farm-residents-association', name: 'Ann Reid' }),
    auditor: await stack.user({ council: '*', role: 'auditor' }),
    partners: { streets: await partner('streets'), police: await partner('police'), landlord: await partner('landlord') },
  };
  const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${council}/policy`, {
    as: cast.programmeManager,
    body: compressedContractPolicy,
  });
  if (policy.status !== 200) throw new Error(`policy: ${policy.status} ${JSON.stringify(policy.body)}`);
  return cast;
}

export const ladder = (putRightWithinWorkingDays: number, compensationUpToPence?: number) => ({
  putRightWithinWorkingDays,
  apology: true,
  ...(compensationUpToPence ? { compensationUpToPence } : {}),
});
/** A standard for each of the three priorities, street lighting and litter by the council's street services. */
export const STANDARDS = [
  {
    priority: 'street_lighting',
    partner: 'Street Services',
    whatIsDone: 'a broken street light repaired',
    withinWorkingDays: 5,
    residentsCommit: ['reporting'],
    whatResidentsDo: 'report every light out on the council’s form',
    redress: ladder(5, 5_000),
  },
  {
    priority: 'anti_social_behaviour',
    partner: 'Northumbria Police',
    whatIsDone: 'a foot patrol of the estate',
    howOften: 'every week',
    residentsCommit: ['reporting', 'community_champions'],
    whatResidentsDo: 'report incidents, and champions meet the neighbourhood team monthly',
    redress: ladder(10),
  },
  {
    priority: 'anti_social_behaviour',
    partner: 'Home Group',
    whatIsDone: 'a report of nuisance from a tenancy answered',
    withinWorkingDays: 10,
    residentsCommit: ['reporting'],
    whatResidentsDo: 'report nuisance to Home Group',
    redress: ladder(10, 2_500),
  },
  {
    priority: 'litter',
    partner: 'Street Services',
    whatIsDone: 'streets swept and bins emptied',
    howOften: 'every week',
    residentsCommit: ['litter_picks', 'young_people_included'],
    whatResidentsDo: 'a litter pick each month, with the youth club',
    redress: ladder(3, 2_000),
  },
];
export const KEYS = {
  lighting: 'street_lighting/street-services',
  police: 'anti_social_behaviour/northumbria-police',
  landlord: 'anti_social_behaviour/home-group',
  litter: 'litter/street-services',
};
export const report = (missed: Partial<Record<keyof typeof KEYS, string>>) => ({
  reports: Object.entries(KEYS).map(([name, standard]) => {
    const what = missed[name as keyof typeof KEYS];
    return what ? { standard, outcome: 'missed', whatHappened: what, seenOn: '2026-11-20' } : { standard, outcome: 'met' };
  }),
});

/** Starts a contract for Plains Farm as its residents' group, and agrees its three priorities. */
export async function startAndAgreePriorities(stack: TestStack, cast: ContractCast): Promise<string> {
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
    as: cast.residents,
    body: {
      kind: 'communitycontract',
      council: cast.council,
      neighbourhood: 'Plains Farm',
      area: 'the Plains Farm estate: Plains Road to Durham Road',
      group: GROUP,
      partners: [PARTNERS.landlord, PARTNERS.police, PARTNERS.streets],
    },
  });
  expect(started.status).toBe(201);
  const processId = started.body.processId;
  await decide(stack, processId, 'y1-priorities-1', cast.residents, 'report', {
    engagement: [
      { method: 'meeting', heldOn: '2026-10-05', tookPart: 42, heard: 'Dark streets and gangs at the shops after school' },
      { method: 'walkabout', heldOn: '2026-10-12', tookPart: 11, heard: 'Litter behind the shops; six lights out' },
    ],
    priorities: [
      { topic: 'street_lighting', why: 'people do not walk home after dark' },
      { topic: 'anti_social_behaviour', why: 'gangs at the shops' },
      { topic: 'litter', why: 'behind the shops' },
    ],
  });
  await decide(stack, processId, 'y1-agree-priorities-1', cast.programmeManager, 'agree', {
    agreedOn: '2026-10-20',
    agreedWith: 'Northumbria Police, Home Group and Street Services',
    priorities: [{ topic: 'street_lighting' }, { topic: 'anti_social_behaviour' }, { topic: 'litter' }],
    baseline: { complaintsLastYear: 120, satisfactionPercent: 41 },
  });
  return processId;
}
