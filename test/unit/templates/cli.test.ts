/** The `templates` CLI command: JSON listing, table, and bad arguments. */
import { describe, expect, it } from 'vitest';
import { runTemplatesCommand } from '../../../engine/cli/templates';
import { listTemplates } from '../../../engine/templates/index';

function capture() {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

describe('cli templates', () => {
  it('--json lists every template with file, name and totals', async () => {
    const io = capture();
    expect(await runTemplatesCommand(['--json'], io)).toBe(0);
    const rows = JSON.parse(io.stdout) as { id: string; file: string; name: string; totals: { params: number; trainable: number; nonTrainable: number; macs: number } }[];
    expect(rows.map((r) => r.id)).toEqual(listTemplates().map((t) => t.id));
    const vgg = rows.find((r) => r.id === 'vgg16')!;
    expect(vgg.file).toBe('templates/vgg16.json');
    expect(vgg.name).toBe('VGG16');
    // Keras Applications VGG16; 15.47 G multiply-adds (the conv and dense layers' k·k·Cin·Cout·H·W).
    expect(vgg.totals).toMatchObject({ params: 138_357_544, trainable: 138_357_544, nonTrainable: 0 });
    expect(vgg.totals.macs).toBeGreaterThan(15.4e9);
    for (const r of rows) expect(r.totals.trainable + r.totals.nonTrainable).toBe(r.totals.params);
  });

  it('prints a table for chosen ids', async () => {
    const io = capture();
    expect(await runTemplatesCommand(['resnet50', 'mnist-cnn'], io)).toBe(0);
    const lines = io.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^resnet50\s+ResNet-50\s+224×224×3\s+25,636,712\s+25,583,592\s+53,120\s/);
    expect(lines[3]).toMatch(/^mnist-cnn\b.*225,034/);
  });

  it('rejects an unknown id or option with exit code 2 and says what is valid', async () => {
    let io = capture();
    expect(await runTemplatesCommand(['resnet-9000'], io)).toBe(2);
    expect(io.stderr).toMatch(/unknown template "resnet-9000".*Available: lenet5/);
    io = capture();
    expect(await runTemplatesCommand(['--jsn'], io)).toBe(2);
    expect(io.stderr).toMatch(/unknown option --jsn/);
    expect(io.stdout).toBe('');
  });
});
