import type { CliCommand } from '../args';
import { cancelCommand } from './cancel';
import { listCommand } from './list';
import { previewCommand } from './preview';
import { renderCommand } from './render';
import {
  buildBundleCommand,
  sandboxCommand,
  startCommand,
  webhookServerCommand,
  webhookUrlCommand,
  workerCommand,
} from './services';
import { statusCommand } from './status';
import { watchCommand } from './watch';

/** In the order the main help lists them. */
export const COMMANDS: readonly CliCommand[] = [
  previewCommand,
  renderCommand,
  statusCommand,
  listCommand,
  watchCommand,
  cancelCommand,
  startCommand,
  workerCommand,
  webhookServerCommand,
  webhookUrlCommand,
  sandboxCommand,
  buildBundleCommand,
];
