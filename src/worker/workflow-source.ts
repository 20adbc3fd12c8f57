import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type BundleOptions, type WorkerOptions } from '@temporalio/worker';
import { ConfigError } from '../config';

/** Where `lipsync build-bundle` writes the prebuilt workflow bundle by default. */
export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '../../dist/workflow-bundle.js');

export function workflowsEntry(): string {
  return require.resolve('../workflows');
}

/**
 * Our workflow modules are evaluated once per worker thread and shared by every run, not
 * once per run: the SDK's reusable V8 context otherwise loads a module afresh for each
 * workflow it creates (each start, each cache miss's replay). Shared modules must keep no
 * run's state: ours keep constants, activity proxies and metric instruments (metrics.ts).
 */
export function workflowBundlerOptions(): Pick<BundleOptions, 'preloadModules'> {
  return { preloadModules: [workflowsEntry()] };
}

/**
 * Production starts use a prebuilt bundle (no webpack at start-up, the exact code that
 * was tested); development bundles from source. WORKFLOW_BUNDLE_PATH forces a bundle.
 */
export function workflowSource(env = process.env): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  const explicit = env.WORKFLOW_BUNDLE_PATH;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new ConfigError('WORKFLOW_BUNDLE_PATH', `no file at ${explicit} (build one with lipsync build-bundle)`);
    return { workflowBundle: { codePath: path.resolve(explicit) } };
  }
  return { workflowsPath: workflowsEntry(), bundlerOptions: workflowBundlerOptions() };
}

export async function buildWorkflowBundle(outPath = DEFAULT_BUNDLE_PATH): Promise<{ path: string; bytes: number }> {
  // webpack's module-by-module report is noise here; warnings still show.
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsEntry(), ...workflowBundlerOptions(), logger: new DefaultLogger('WARN') });
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  fs.writeFileSync(outPath, code);
  return { path: outPath, bytes: Buffer.byteLength(code) };
}
