import { z } from 'zod';
import { DELIVERY_MODES, LMA_SERVICES } from '../workflows/lma/messages';

// What each kind of task asks for in `form`, by outcome. The workflow checks the same things in plain
// code (it cannot load zod); these give the caller the field-by-field errors.

const text = z.string().trim().min(1).max(5_000);
const count = z.number().int().min(0).max(10_000_000);
const pence = z.number().int().min(0).max(100_000_000);
const area = z.string().trim().min(1).max(200);
const serviceTerms = z
  .object({ service: z.enum(LMA_SERVICES), scope: z.array(area).min(1).max(100), standards: text, annualPayment: pence, deliveryMode: z.enum(DELIVERY_MODES) })
  .strict();
const nothing = z.object({}).strict();

export const TASK_FORMS: Record<string, (outcome: string) => z.ZodType> = {
  appoint_adviser: () => z.object({ adviserUserId: text, adviserName: text }).strict(),
  submit_outline_plan: () => z.object({ summary: text }).strict(),
  reply_to_outline_plan: (outcome) =>
    outcome === 'accept'
      ? z.object({ comments: text.optional(), indicativePayments: z.partialRecord(z.enum(LMA_SERVICES), pence), notProvidedToday: z.array(z.enum(LMA_SERVICES)).optional() }).strict()
      : z.object({ comments: text.optional() }).strict(),
  budget_availability: () => nothing,
  report_test_of_support: () => z.object({ meetingsHeld: count, householdsContacted: count, skillsAssessment: text }).strict(),
  submit_detailed_plan: () => z.object({ services: z.array(serviceTerms).min(1).max(LMA_SERVICES.length) }).strict(),
  approve_detailed_plan: () => nothing,
  confirm_insurance_and_safety: () =>
    z.object({ insuredBy: z.enum(['council', 'group']), cover: z.array(z.enum(['public_liability', 'theft', 'damage', 'injury'])).min(1), healthAndSafety: text }).strict(),
  record_consultation_result: () => z.object({ for: count, against: count, noReply: count.optional() }).strict(),
  register_formal_body: () => z.object({ legalForm: z.enum(['residents_association', 'community_interest_company']), reference: text }).strict(),
  draft_agreement: () => z.object({ services: z.array(serviceTerms).min(1).max(LMA_SERVICES.length), groupResponsibilities: text, councilResponsibilities: text }).strict(),
  sign_agreement: () => nothing,
  submit_monitoring_report: () => z.object({ summary: text }).strict(),
  annual_review: () => z.object({ performance: text, satisfaction: text }).strict(),
};
