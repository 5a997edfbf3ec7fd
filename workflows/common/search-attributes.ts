import { defineSearchAttributeKey } from '@temporalio/common';

// Custom search attributes, registered on the namespace at start-up, so processes can be found with
// `temporal workflow list --query "Council = 'westminster'"`.
export const councilKey = defineSearchAttributeKey('Council', 'KEYWORD');
export const processKindKey = defineSearchAttributeKey('ProcessKind', 'KEYWORD');
export const processStageKey = defineSearchAttributeKey('ProcessStage', 'KEYWORD');
export const businessKeyKey = defineSearchAttributeKey('BusinessKey', 'KEYWORD');

export const ALL_SEARCH_ATTRIBUTES = [councilKey, processKindKey, processStageKey, businessKeyKey];
