import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { workflowBundlerOptions, workflowsEntry } from '../../src/worker/workflow-source';

/**
 * The workflow modules are preloaded: evaluated once per worker thread and shared by every
 * run (workflow-source.ts). A module-level `let` or `var` there would be one variable for
 * all runs, a leak between workflows that replay cannot see. Every such variable must be
 * listed here with why it holds no run's state.
 */
const SHARED_ON_PURPOSE: Record<string, string> = {
  'src/workflows/metrics.ts instruments': 'metric instruments: their tags are read from the running workflow at each record',
};

const root = path.resolve(__dirname, '../..');

/** The modules the workflow bundle takes from src/, following relative imports from the entry. */
function workflowModules(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
      const specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
      if (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly) continue;
      const base = path.resolve(path.dirname(file), specifier.text);
      const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
      if (resolved) visit(resolved);
    }
  };
  visit(workflowsEntry().replace(/\.js$/, '.ts'));
  return [...seen].map((file) => path.relative(root, file)).sort();
}

function moduleLevelVariables(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.Latest);
  return source.statements
    .filter(ts.isVariableStatement)
    .filter((statement) => !(statement.declarationList.flags & ts.NodeFlags.Const))
    .flatMap((statement) => statement.declarationList.declarations.map((declaration) => `${file} ${declaration.name.getText(source)}`));
}

describe('the preloaded workflow modules keep no run state', () => {
  const modules = workflowModules();

  test('the workflow bundle preloads the workflows entry', () => {
    expect(workflowBundlerOptions().preloadModules).toEqual([workflowsEntry()]);
  });

  test('the modules followed from the entry include the tracker and what it imports', () => {
    expect(modules).toEqual(expect.arrayContaining(['src/workflows/render-lipsync.ts', 'src/workflows/tracker.ts', 'src/workflows/metrics.ts', 'src/creatify/status.ts']));
  });

  test('no module-level let or var, except those listed with a reason', () => {
    const found = modules.flatMap(moduleLevelVariables);
    expect(found.sort()).toEqual(Object.keys(SHARED_ON_PURPOSE).sort());
  });
});
