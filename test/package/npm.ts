/**
 * The library as a consumer gets it: `npm pack` of this checkout, installed into a fresh
 * project with the example backend's package.json. Everything is written under one temp
 * directory; only npm's own cache (~/.npm, or npm_config_cache) is shared between runs,
 * which is what keeps a second run from downloading anything.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const REPO = path.resolve(__dirname, '../..');
export const EXAMPLE = path.join(REPO, 'examples', 'express-backend');
const run = promisify(execFile);

/**
 * The environment for npm and node in the temp projects: without the npm_* variables an
 * outer `npm test` exports (its package, its prefix), which would point npm back here.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig)$/i.test(key));
  return { ...Object.fromEntries(kept), ...extra };
}

export async function npm(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${String(stderr ?? '').slice(-4000)}\n${String(stdout ?? '').slice(-2000)}`);
  }
}

/**
 * Packs a copy of the checkout (the files git would clone, with uncommitted changes), so
 * that `prepare` builds into the temp directory and never rewrites this checkout's dist/.
 * The copy borrows this checkout's node_modules: the build needs only devDependencies.
 */
export async function packLibrary(workDir: string): Promise<string> {
  const copy = path.join(workDir, 'library');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    const from = path.join(REPO, file);
    if (!fs.existsSync(from)) continue; // deleted in the work tree, not yet in git
    fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    fs.copyFileSync(from, path.join(copy, file));
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  // Not --json: `prepare`'s own output shares stdout with it. The tarball is the only one there.
  await npm(copy, ['pack', '--pack-destination', workDir]);
  const [tarball, ...more] = fs.readdirSync(workDir).filter((name) => name.endsWith('.tgz'));
  if (!tarball || more.length > 0) throw new Error(`npm pack left ${more.length + (tarball ? 1 : 0)} tarballs in ${workDir}`);
  return path.join(workDir, tarball);
}

/**
 * A new backend project: the example's package.json, tsconfig and sources, with the
 * library taken from the tarball; `npm install` brings exactly the declared dependencies.
 */
export async function installExample(workDir: string, tarball: string): Promise<string> {
  const app = path.join(workDir, 'backend');
  fs.mkdirSync(app);
  fs.cpSync(path.join(EXAMPLE, 'src'), path.join(app, 'src'), { recursive: true });
  fs.copyFileSync(path.join(EXAMPLE, 'tsconfig.json'), path.join(app, 'tsconfig.json'));
  const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8'));
  manifest.dependencies['lipsync-orchestrator'] = `file:${tarball}`;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  // --prefer-offline: metadata already in the cache is not revalidated (seconds per run).
  await npm(app, ['install', '--prefer-offline', '--no-audit', '--no-fund']);
  return app;
}

/** Runs the project's own tsc (its declared typescript) on a tsconfig; returns --listFiles. */
export async function typecheck(project: string, tsconfig: string): Promise<string[]> {
  const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    const { stdout } = await run(process.execPath, [tsc, '-p', tsconfig, '--listFiles'], { cwd: project, maxBuffer: 64 * 1024 * 1024 });
    return stdout.split('\n').filter(Boolean);
  } catch (err) {
    const { stdout } = err as { stdout?: string };
    const errors = String(stdout ?? '').split('\n').filter((line) => line.includes('error TS'));
    throw new Error(`tsc -p ${tsconfig} failed:\n${errors.slice(0, 30).join('\n')}`);
  }
}
