/** Commands on files: new, open, save, save as, export. */
import { defineCommand } from './define';
import { newDocument, openDocument, saveDocument, saveDocumentAs } from '../files/file-actions';
import { exportDiagram } from '../files/export-diagram';

export const newDoc = defineCommand({ id: 'new', label: 'New', keys: ['Mod+N'], global: true, run: async () => void (await newDocument()) });
export const open = defineCommand({ id: 'open', label: 'Open…', keys: ['Mod+O'], global: true, run: async () => void (await openDocument()) });
export const save = defineCommand({ id: 'save', label: 'Save', keys: ['Mod+S'], global: true, run: async () => void (await saveDocument()) });
export const saveAs = defineCommand({ id: 'save-as', label: 'Save as…', keys: ['Mod+Shift+S'], global: true, run: async () => void (await saveDocumentAs()) });
export const exportSvg = defineCommand({ id: 'export-svg', label: 'Export diagram as SVG', run: () => exportDiagram('svg') });
export const exportPng = defineCommand({ id: 'export-png', label: 'Export diagram as PNG', run: () => exportDiagram('png') });
