/** Custom search attributes (registered on the dev server by `pipeline stack up`). */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CLIENT_ID = defineSearchAttributeKey('ClientId', SearchAttributeType.KEYWORD);
export const PIPELINE_STATE = defineSearchAttributeKey('PipelineState', SearchAttributeType.KEYWORD);
