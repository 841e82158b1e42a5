/**
 * `cli templates [--json] [ID…]`: the template gallery with each template's
 * file, name and analysed totals (parameters, trainable, non-trainable,
 * multiply-accumulates), so a number on screen can be checked from a shell.
 */
import { formatInt } from '../core/shape';
import { getTemplateInfo, listTemplates } from '../templates/index';
import { summarizeTemplate, type TemplateSummaryWithFile } from '../templates/summary';

export const TEMPLATES_USAGE = `Usage: cli templates [--json] [ID ...]
  Lists the templates (classic architectures and small trainable networks)
  with their file, name and totals. Give IDs to list only those.
  --json   print a JSON array: id, file, name, group, inputShape, outputShapes,
           totals {params, trainable, nonTrainable, macs, bytes}, errors, meta`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const defaultIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Runs the command; resolves to the exit code (0 ok, 2 bad arguments, 1 a template failed to analyse). */
export async function runTemplatesCommand(args: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let json = false;
  const ids: string[] = [];
  for (const a of args) {
    if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      io.out(TEMPLATES_USAGE + '\n');
      return 0;
    } else if (a.startsWith('-')) {
      io.err(`templates: unknown option ${a}\n${TEMPLATES_USAGE}\n`);
      return 2;
    } else ids.push(a);
  }
  const unknown = ids.filter((id) => !getTemplateInfo(id));
  if (unknown.length > 0) {
    io.err(`templates: unknown template ${unknown.map((u) => `"${u}"`).join(', ')}. Available: ${listTemplates().map((t) => t.id).join(', ')}\n`);
    return 2;
  }
  const infos = ids.length > 0 ? ids.map((id) => getTemplateInfo(id)!) : listTemplates();
  const rows: TemplateSummaryWithFile[] = [];
  for (const info of infos) rows.push(await summarizeTemplate(info));

  if (json) io.out(JSON.stringify(rows, null, 2) + '\n');
  else io.out(table(rows));
  return rows.some((r) => r.errors > 0) ? 1 : 0;
}

function table(rows: TemplateSummaryWithFile[]): string {
  const head = ['id', 'name', 'input', 'params', 'trainable', 'non-trainable', 'MACs', 'file'];
  const body = rows.map((r) => [
    r.id,
    r.name,
    r.inputShape ? r.inputShape.join('×') : '?',
    r.totals ? formatInt(r.totals.params) : `${r.errors} error(s)`,
    r.totals ? formatInt(r.totals.trainable) : '',
    r.totals ? formatInt(r.totals.nonTrainable) : '',
    r.totals ? formatInt(r.totals.macs) : '',
    r.file,
  ]);
  const numeric = new Set([3, 4, 5, 6]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}
