/**
 * A worker checks, before it takes any work, that its namespace has every search
 * attribute the trackers write, and adds the missing ones. Without this a namespace set up
 * with `LipsyncStatus` alone takes the render POST and then refuses the next workflow task
 * (its upsert) for ever: a render paid for and never tracked to its end.
 */
import type { NativeConnection } from '@temporalio/worker';
import { ConfigError } from '../config';
import { searchAttributeTypes, typeName } from '../contract/search-attributes';

type OperatorService = Pick<NativeConnection['operatorService'], 'listSearchAttributes' | 'addSearchAttributes'>;

/** gRPC status codes that say the server cannot or will not answer this API (Temporal Cloud, a proxy). */
const CANNOT_ASK = new Set([7 /* PERMISSION_DENIED */, 12 /* UNIMPLEMENTED */]);
const VISIBLE_WITHIN_MS = 30_000;

export type SearchAttributeCheck = { added: string[]; notListedYet?: string[] } | { unchecked: string };

/**
 * Adds the missing search attributes, and waits until the namespace lists them. Throws a
 * ConfigError (exit 78, one line) when one has another type, or when a missing one cannot
 * be added; says `unchecked` when the server does not let this worker list them (they may
 * well be there: Temporal Cloud registers them elsewhere).
 */
export async function ensureSearchAttributes(operator: OperatorService, namespace: string, now: () => number = Date.now): Promise<SearchAttributeCheck> {
  const wanted = searchAttributeTypes();
  let existing: Record<string, number>;
  try {
    existing = await listed(operator, namespace);
  } catch (err) {
    if (CANNOT_ASK.has((err as { code?: number }).code ?? -1)) return { unchecked: (err as Error).message };
    throw err;
  }
  const wrongType = Object.entries(wanted).filter(([name, type]) => name in existing && existing[name] !== type);
  if (wrongType.length > 0) {
    const list = wrongType.map(([name, type]) => `${name} is ${typeName(existing[name]!)}, the trackers need ${typeName(type)}`).join('; ');
    throw new ConfigError('TEMPORAL_NAMESPACE', `namespace "${namespace}" has search attributes of another type: ${list}`);
  }
  const missing = Object.fromEntries(Object.entries(wanted).filter(([name]) => !(name in existing)));
  const names = Object.keys(missing);
  if (names.length === 0) return { added: [] };
  try {
    await operator.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    // Another worker starting at the same moment may have added them first ("already exists").
    const now = await listed(operator, namespace).catch(() => existing);
    if (names.every((name) => now[name] === missing[name])) return { added: [] };
    const commands = names.map((name) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${typeName(missing[name]!)}`).join(' && ');
    throw new ConfigError('TEMPORAL_NAMESPACE', `namespace "${namespace}" lacks the search attributes ${names.join(', ')} and this worker could not add them (${(err as Error).message}); add them with: ${commands}`);
  }
  // Added through the cluster's metadata: the frontend may take a moment to serve them
  // (longer on Elasticsearch). Added is added: past the wait the worker goes on, and says so.
  const until = now() + VISIBLE_WITHIN_MS;
  while (names.some((name) => !(name in existing))) {
    if (now() > until) return { added: names, notListedYet: names.filter((name) => !(name in existing)) };
    await new Promise((resolve) => setTimeout(resolve, 250));
    existing = await listed(operator, namespace);
  }
  return { added: names };
}

async function listed(operator: OperatorService, namespace: string): Promise<Record<string, number>> {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  return Object.fromEntries(Object.entries(customAttributes ?? {}).map(([name, type]) => [name, Number(type)]));
}
