// Every workflow the worker registers. Deterministic code only: see ESLint's rules for this folder.
export { localManagementAgreement } from './lma/workflow';
export { slaRenegotiation, slaServiceNegotiation } from './sla/workflow';
export { almoEstablishment } from './almo/workflow';
export { optionsReview } from './optionsreview/workflow';
export { communityContract } from './communitycontract/workflow';
