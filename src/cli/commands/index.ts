import type { CliCommand } from '../args';
import { approveCommand, rejectCommand } from './approval';
import { cancelCommand } from './cancel';
import { creditsCommand } from './credits';
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
  approveCommand,
  rejectCommand,
  statusCommand,
  listCommand,
  watchCommand,
  cancelCommand,
  creditsCommand,
  startCommand,
  workerCommand,
  webhookServerCommand,
  webhookUrlCommand,
  sandboxCommand,
  buildBundleCommand,
];
