/**
 * Every search attribute the trackers write, as `Name=Type` (the Temporal CLI's
 * `--search-attribute` form) and as the OperatorService wants them. A namespace that lacks
 * one refuses the workflow task that upserts it, and that task comes right after the
 * render POST: so a worker checks them before it takes any work (worker/search-attributes.ts).
 */
import { LIPSYNC_CREDITS_ESTIMATE, LIPSYNC_CREDITS_USED, LIPSYNC_DETECTED_BY } from './approval-credits';
import { LIPSYNC_STATUS } from './messages';
import { LIPSYNC_POLL_FROM } from './reconciler';

const KEYS = [LIPSYNC_STATUS, LIPSYNC_POLL_FROM, LIPSYNC_CREDITS_ESTIMATE, LIPSYNC_CREDITS_USED, LIPSYNC_DETECTED_BY];

/** temporal.api.enums.v1.IndexedValueType, by the CLI's type names. */
const INDEXED_VALUE_TYPES: Record<string, number> = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };
/** The SDK's SearchAttributeType names, as the CLI spells them. */
const CLI_TYPE_NAMES: Record<string, string> = { TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };

export const SEARCH_ATTRIBUTES: readonly string[] = KEYS.map((key) => `${key.name}=${CLI_TYPE_NAMES[key.type]}`);

/** `Name=Type` entries as the OperatorService wants them (name → IndexedValueType). */
export function searchAttributeTypes(entries: readonly string[] = SEARCH_ATTRIBUTES): Record<string, number> {
  return Object.fromEntries(
    entries.map((entry) => {
      const [name, type] = entry.split('=');
      const indexed = type ? INDEXED_VALUE_TYPES[type] : undefined;
      if (!name || indexed === undefined) throw new Error(`search attribute "${entry}" is not Name=Type with a known type`);
      return [name, indexed];
    }),
  );
}

/** The CLI's name of an IndexedValueType number ("Keyword"). */
export function typeName(indexed: number): string {
  return Object.entries(INDEXED_VALUE_TYPES).find(([, value]) => value === indexed)?.[0] ?? String(indexed);
}
