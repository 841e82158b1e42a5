/**
 * Draws the app icon (build/icon.png, 1024×1024) from an SVG with sharp.
 * electron-builder derives the Windows .ico and macOS .icns from it.
 * The picture: feature maps shrinking layer by layer into a dense output,
 * as a CNN does. Run `npm run icon` after changing it and commit the PNG.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ICON_PNG = path.join(ROOT, 'build', 'icon.png');

/** One feature map drawn as a slanted slab (a parallelogram with depth). */
function slab(x: number, y: number, w: number, h: number, depth: number, fill: string, edge: string): string {
  const d = depth;
  return `
  <polygon points="${x},${y} ${x + d},${y - d} ${x + d + w},${y - d} ${x + w},${y}" fill="${fill}" fill-opacity="0.7" stroke="${edge}" stroke-width="6" stroke-linejoin="round"/>
  <polygon points="${x + w},${y} ${x + w + d},${y - d} ${x + w + d},${y + h - d} ${x + w},${y + h}" fill="${fill}" fill-opacity="0.45" stroke="${edge}" stroke-width="6" stroke-linejoin="round"/>
  <rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${fill}" stroke="${edge}" stroke-width="6"/>`;
}

export function iconSvg(): string {
  const layers = [
    { x: 150, y: 300, w: 230, h: 430, d: 60, fill: '#5eead4' },
    { x: 420, y: 380, w: 160, h: 280, d: 46, fill: '#38bdf8' },
    { x: 620, y: 440, w: 100, h: 160, d: 34, fill: '#818cf8' },
  ];
  const nodes = [380, 470, 560, 650].map((cy) => `<circle cx="850" cy="${cy}" r="30" fill="#fbbf24" stroke="#0f172a" stroke-width="6"/>`);
  const wires = [380, 470, 560, 650].map((cy) => `<line x1="754" y1="${520}" x2="820" y2="${cy}" stroke="#e2e8f0" stroke-width="8" stroke-linecap="round"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1e293b"/>
      <stop offset="1" stop-color="#0f172a"/>
    </linearGradient>
  </defs>
  <rect x="32" y="32" width="960" height="960" rx="200" fill="url(#bg)"/>
  ${layers.map((l) => slab(l.x, l.y, l.w, l.h, l.d, l.fill, '#0f172a')).join('')}
  <rect x="210" y="370" width="90" height="90" fill="none" stroke="#f43f5e" stroke-width="10"/>
  <line x1="300" y1="415" x2="470" y2="450" stroke="#f43f5e" stroke-width="8" stroke-dasharray="18 12"/>
  ${wires.join('')}
  ${nodes.join('')}
</svg>`;
}

export async function makeIcon(out = ICON_PNG): Promise<void> {
  mkdirSync(path.dirname(out), { recursive: true });
  await sharp(Buffer.from(iconSvg())).png({ compressionLevel: 9 }).toFile(out);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await makeIcon();
  console.log(`wrote ${path.relative(ROOT, ICON_PNG)}`);
}
