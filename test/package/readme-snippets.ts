/**
 * The README's ```ts blocks, each written out as a consumer module, so the documented
 * import lines and calls are type-checked against the installed package. A block reads
 * like backend code (top-level `await`), so its import lines stay at the top of the
 * module and the rest becomes the body of an async function.
 */
import fs from 'node:fs';
import path from 'node:path';

export function readmeBlocks(readme: string): string[] {
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

export function toModule(block: string): string {
  const imports: string[] = [];
  const body: string[] = [];
  let inImport = false;
  for (const line of block.split('\n')) {
    if (inImport || /^import\s/.test(line)) {
      imports.push(line);
      // An import ends with its module specifier; it may span several lines.
      inImport = !/(from\s+|^import\s+)['"][^'"]+['"];?\s*(\/\/.*)?$/.test(line);
    } else {
      body.push(`  ${line}`);
    }
  }
  return [...imports, '', 'export async function snippet(): Promise<void> {', ...body, '}', ''].join('\n');
}

/** Writes readme-1.ts, readme-2.ts, … into `dir`; returns how many. */
export function writeReadmeModules(readmePath: string, dir: string): number {
  const blocks = readmeBlocks(fs.readFileSync(readmePath, 'utf8'));
  fs.mkdirSync(dir, { recursive: true });
  blocks.forEach((block, i) => fs.writeFileSync(path.join(dir, `readme-${i + 1}.ts`), toModule(block)));
  return blocks.length;
}
