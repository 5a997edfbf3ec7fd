// Roles from ../shared/domain/PROCESSES.md "People and roles". Safe to load inside workflows.
export const ROLES = [
  'programme_manager',
  'housing_manager',
  'legal_services',
  'finance',
  'cabinet',
  'almo_board',
  'service_lead',
  'liaison',
  'scrutineer',
  'resident_rep',
  'auditor',
  // Not in the guidance: the council's administrator of this service (people, roles, tokens), kept
  // apart from programme_manager so running processes and giving access are separate grants.
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** Who did something: every decision is attributable to a user acting in a role. */
export interface Actor {
  userId: string;
  role: Role;
  /** The API token the command came with: for the audit log only (its id, never its secret). */
  tokenId?: string;
  /** The person's name as the service knows it: for documents that say who signed. */
  name?: string;
}

/** The actor as views, documents and the timeline state it: who, in which role (not the token). */
export const person = (actor: Actor): Actor => ({ userId: actor.userId, role: actor.role });
