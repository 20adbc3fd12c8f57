import fs from 'node:fs';

/** The workflow bundle the global setup built once for the whole run (bundling is the slow part). */
export function testWorkflowBundle(): { codePath: string } {
  const codePath = process.env.TEST_WORKFLOW_BUNDLE;
  if (!codePath || !fs.existsSync(codePath)) throw new Error('TEST_WORKFLOW_BUNDLE is unset: run through jest (global setup builds it)');
  return { codePath };
}
