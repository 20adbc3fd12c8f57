/**
 * Component logs of the local stack, one file each under .data/logs/ (worker.log,
 * webhook.log; the Temporal server writes temporal.log there itself): the terminal shows
 * renders, the files keep the detail. Appended, so a restart does not lose the last run.
 */
import fs from 'node:fs';
import path from 'node:path';

export type Component = 'worker' | 'webhook' | 'temporal';

export interface ComponentLogs {
  dir: string;
  file(component: Component): string;
  write(component: Component, line: string): void;
}

/** `echo` also gets every line (the CLI's --verbose). */
export function openComponentLogs(dataDir: string, echo?: (component: Component, line: string) => void): ComponentLogs {
  const dir = path.join(dataDir, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  const file = (component: Component) => path.join(dir, `${component}.log`);
  return {
    dir,
    file,
    write(component, line) {
      // Synchronous: a few lines per status change, and nothing is lost on a crash.
      fs.appendFileSync(file(component), `${line}\n`);
      echo?.(component, line);
    },
  };
}
