/**
 * The commands of the command line. To add one: write engine/cli/<name>.ts
 * exporting a CliCommand (see ./types.ts), import it here and add it to
 * COMMANDS (one line). `help` lists them in this order.
 */
import { analyze } from './analyze';
import { inspectCommand } from './inspect';
import { evaluateCommand } from './evaluate';
import { exportCommand } from './export';
import { importCommand } from './import';
import { predictCommand } from './predict';
import { trainCommand } from './train';
import { runTemplatesCommand } from './templates';
import type { CliCommand } from './types';

/** `templates` predates CliCommand; adapted here. */
const templates: CliCommand = {
  name: 'templates',
  summary: 'The template gallery with each template’s totals',
  usage: 'templates [--json] [ID ...]',
  run: (args, io) => runTemplatesCommand(args, io),
};

export const COMMANDS: readonly CliCommand[] = [analyze, templates, trainCommand, evaluateCommand, predictCommand, inspectCommand, exportCommand, importCommand];
