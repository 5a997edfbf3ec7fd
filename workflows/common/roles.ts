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
  // Not in the table of roles: an officer of a partner to a community contract (the police, a landlord, a
  // council service), acting only on its own organisation's commitments (PROCESSES.md §5).
  'partner',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles whose grants name what they act for, and reach only that: a resident_rep its residents' group,
 * a partner its organisation (the grant's `groupKey`, the key of a task or process it may act on).
 */
export const SCOPED_ROLES = ['resident_rep', 'partner'] as const satisfies readonly Role[];
export const isScoped = (role: string): boolean => (SCOPED_ROLES as readonly string[]).includes(role);

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
