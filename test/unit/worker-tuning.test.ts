import { ConfigError, DEFAULT_MAX_CACHED_WORKFLOWS, loadWorkerTuning } from '../../src/config';

function problem(env: Record<string, string>): string {
  try {
    loadWorkerTuning(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('worker tuning from the environment', () => {
  test('defaults: a bounded cache, SDK concurrency, no rate limit', () => {
    expect(loadWorkerTuning({})).toEqual({ maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS });
    // An empty value (as .data/env writes to unset one) means the default.
    expect(loadWorkerTuning({ LIPSYNC_MAX_CACHED_WORKFLOWS: '', LIPSYNC_CREATIFY_CALLS_PER_SECOND: '' })).toEqual({ maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS });
  });

  test('every variable is read', () => {
    expect(
      loadWorkerTuning({
        LIPSYNC_MAX_CACHED_WORKFLOWS: '2000',
        LIPSYNC_MAX_CONCURRENT_ACTIVITIES: '20',
        LIPSYNC_MAX_CONCURRENT_WORKFLOW_TASKS: '10',
        LIPSYNC_CREATIFY_CALLS_PER_SECOND: '2.5',
        LIPSYNC_WORKFLOW_THREADS: '3',
      }),
    ).toEqual({ maxCachedWorkflows: 2000, maxConcurrentActivityTaskExecutions: 20, maxConcurrentWorkflowTaskExecutions: 10, creatifyCallsPerSecond: 2.5, workflowThreads: 3 });
    expect(loadWorkerTuning({ LIPSYNC_MAX_CACHED_WORKFLOWS: '0' }).maxCachedWorkflows).toBe(0);
  });

  test.each([
    ['LIPSYNC_MAX_CACHED_WORKFLOWS', 'lots', 'must be a whole number'],
    ['LIPSYNC_MAX_CACHED_WORKFLOWS', '1', 'must be 0 (no cache) or at least 2'],
    ['LIPSYNC_MAX_CACHED_WORKFLOWS', '-3', 'must be 0 (no cache) or at least 2'],
    ['LIPSYNC_MAX_CONCURRENT_ACTIVITIES', '0', 'must be positive'],
    ['LIPSYNC_MAX_CONCURRENT_ACTIVITIES', '1.5', 'must be a whole number'],
    ['LIPSYNC_MAX_CONCURRENT_WORKFLOW_TASKS', '1', 'must be at least 2'],
    ['LIPSYNC_CREATIFY_CALLS_PER_SECOND', '0', 'must be more than 0'],
    ['LIPSYNC_CREATIFY_CALLS_PER_SECOND', 'fast', 'must be a number'],
    ['LIPSYNC_CREATIFY_CALLS_PER_SECOND', 'Infinity', 'must be a number'],
    ['LIPSYNC_WORKFLOW_THREADS', '0', 'must be positive'],
    ['LIPSYNC_WORKFLOW_THREADS', 'two', 'must be a whole number'],
  ])('a bad %s (%s) is named in one line', (variable, value, message) => {
    const line = problem({ [variable]: value });
    expect(line.startsWith(`${variable}: ${message}`)).toBe(true);
    expect(line).not.toContain('\n');
  });
});
