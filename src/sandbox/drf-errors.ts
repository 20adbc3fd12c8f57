import type { z } from 'zod';

// Django REST Framework shapes a validation error like the input: a map of field →
// list of messages, nested through objects, and a list with one entry per item
// (`{}` for the valid ones). Clients in the wild parse exactly this, so the sandbox
// turns zod issues into it, with DRF's own wording.

export type DrfErrors = { [field: string]: DrfNode };
type DrfNode = string[] | DrfErrors | DrfNode[];

export function toDrfErrors(issues: readonly z.core.$ZodIssue[], input: unknown): DrfErrors {
  const root: DrfErrors = {};
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (path.length === 0) {
      push(root, 'non_field_errors', drfMessage(issue, input, path));
      continue;
    }
    let node: DrfErrors | DrfNode[] = root;
    for (let i = 0; i < path.length - 1; i++) {
      node = descend(node, path[i]!, typeof path[i + 1] === 'number');
    }
    push(node, path[path.length - 1]!, drfMessage(issue, input, path));
  }
  return root;
}

function descend(node: DrfErrors | DrfNode[], key: string | number, nextIsIndex: boolean) {
  const container = node as Record<string | number, DrfNode | undefined>;
  if (Array.isArray(node) && typeof key === 'number') {
    while (node.length <= key) node.push({});
  }
  let child = container[key];
  if (child === undefined || (nextIsIndex && !Array.isArray(child))) {
    child = nextIsIndex ? [] : {};
    container[key] = child;
  }
  return child as DrfErrors | DrfNode[];
}

function push(node: DrfErrors | DrfNode[], key: string | number, message: string) {
  const container = node as Record<string | number, DrfNode | undefined>;
  if (Array.isArray(node) && typeof key === 'number') {
    while (node.length <= key) node.push({});
  }
  const existing = container[key];
  if (Array.isArray(existing) && existing.every((m) => typeof m === 'string')) {
    (existing as string[]).push(message);
  } else {
    container[key] = [message];
  }
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function drfMessage(issue: z.core.$ZodIssue, input: unknown, path: (string | number)[]): string {
  switch (issue.code) {
    case 'invalid_type': {
      const value = valueAt(input, path);
      if (value === undefined) return 'This field is required.';
      if (value === null) return 'This field may not be null.';
      if (issue.expected === 'number') return 'A valid number is required.';
      if (issue.expected === 'boolean') return 'Must be a valid boolean.';
      if (issue.expected === 'array') {
        return `Expected a list of items but got type "${typeof value}".`;
      }
      if (issue.expected === 'object') {
        return `Invalid data. Expected a dictionary, but got ${typeof value}.`;
      }
      return 'Not a valid string.';
    }
    case 'invalid_value':
      return `"${String(valueAt(input, path))}" is not a valid choice.`;
    case 'too_big':
      if (issue.origin === 'string') {
        return `Ensure this field has no more than ${issue.maximum} characters.`;
      }
      return `Ensure this value is less than or equal to ${issue.maximum}.`;
    case 'too_small':
      if (issue.origin === 'array') return 'This list may not be empty.';
      if (issue.origin === 'string') return 'This field may not be blank.';
      return `Ensure this value is greater than or equal to ${issue.minimum}.`;
    default:
      return issue.message;
  }
}
