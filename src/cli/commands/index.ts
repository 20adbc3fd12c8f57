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

/** In the order the main help lists them. */
export const COMMANDS: readonly CliCommand[] = [
  previewCommand,
  renderCommand,
  statusCommand,
  listCommand,
  cancelCommand,
  startCommand,
  workerCommand,
  webhookServerCommand,
  webhookUrlCommand,
  sandboxCommand,
  buildBundleCommand,
];
