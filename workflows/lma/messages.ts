import type { ProcessPolicy } from '../common/policy';
import type { Actor } from '../common/roles';

// PROCESSES.md §1: the services residents may take on, and the legal forms a group may have.
export const LMA_SERVICES = ['window_cleaning', 'gardening', 'estate_cleaning', 'minor_repairs', 'other'] as const;
export type LmaService = (typeof LMA_SERVICES)[number];
export const LEGAL_FORMS = ['none', 'residents_association', 'community_interest_company'] as const;
export type LegalForm = (typeof LEGAL_FORMS)[number];

export const LMA_STAGES = {
  adviserAppointment: 'adviser_appointment',
  outlinePlan: 'outline_plan',
} as const;

/** One service the group offers to run, over all or part of the estate (e.g. some blocks only). */
export interface ServiceScope {
  service: LmaService;
  /** Blocks or areas covered, e.g. ["Elm House", "flowerbeds by the car park"]. */
  scope: string[];
}

/** Step 1, the expression of interest from a residents' group. */
export interface LmaStartInput {
  council: string;
  estate: string;
  group: { name: string; legalForm: LegalForm };
  services: ServiceScope[];
  startedBy: Actor;
  /** The council's policy when the process started; absent in processes started before policies. */
  policy?: ProcessPolicy;
}

export interface LmaDetails {
  estate: string;
  group: { name: string; legalForm: LegalForm };
  services: ServiceScope[];
  adviser?: { userId: string; name: string; appointedBy: Actor; appointedAt: string };
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/** The residents' group as a key: what a resident_rep's role grant names. */
export const lmaGroupKey = (groupName: string): string => slug(groupName);

/** PROCESSES.md "Common to all": an LMA is identified by council + estate + group. */
export function lmaBusinessKey(input: Pick<LmaStartInput, 'council' | 'estate' | 'group'>): string {
  return `lma:${input.council}:${slug(input.estate)}:${lmaGroupKey(input.group.name)}`;
}
