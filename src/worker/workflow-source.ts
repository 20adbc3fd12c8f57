import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';
import { ConfigError } from '../config';

/** Where `lipsync build-bundle` writes the prebuilt workflow bundle by default. */
export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '../../dist/workflow-bundle.js');

export function workflowsEntry(): string {
  return require.resolve('../workflows');
}

/**
 * Production starts use a prebuilt bundle (no webpack at start-up, the exact code that
 * was tested); development bundles from source. WORKFLOW_BUNDLE_PATH forces a bundle.
 */
export function workflowSource(env = process.env): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const explicit = env.WORKFLOW_BUNDLE_PATH;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new ConfigError('WORKFLOW_BUNDLE_PATH', `no file at ${explicit} (build one with lipsync build-bundle)`);
    return { workflowBundle: { codePath: path.resolve(explicit) } };
  }
  return { workflowsPath: workflowsEntry() };
}

export async function buildWorkflowBundle(outPath = DEFAULT_BUNDLE_PATH): Promise<{ path: string; bytes: number }> {
  // webpack's module-by-module report is noise here; warnings still show.
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsEntry(), logger: new DefaultLogger('WARN') });
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  fs.writeFileSync(outPath, code);
  return { path: outPath, bytes: Buffer.byteLength(code) };
}
