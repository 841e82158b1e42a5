/** The editor: toolbar, palette, canvas with problems, inspector, status bar, and overlays. */
import { ReactFlowProvider } from '@xyflow/react';
import { GraphCanvas } from './canvas/GraphCanvas';
import { useEngineStartup } from './hooks/useEngineEvents';
import { useShortcuts } from './hooks/useShortcuts';
import { AddPopup } from './panels/AddPopup';
import { Dialogs } from './panels/Dialogs';
import { ErrorBoundary } from './panels/ErrorBoundary';
import { ExportDialog } from './panels/export/ExportDialog';
import { Inspector } from './panels/Inspector';
import { InspectPanel } from './panels/inspect/InspectPanel';
import { Palette } from './panels/Palette';
import { Problems } from './panels/Problems';
import { StatusBar } from './panels/StatusBar';
import { Toolbar } from './panels/Toolbar';
import { TrainingPanel } from './panels/training/TrainingPanel';
import { Welcome } from './panels/Welcome';

export function App() {
  useShortcuts();
  useEngineStartup();
  return (
    <ReactFlowProvider>
      <div className="app">
        <Toolbar />
        <ErrorBoundary area="the palette">
          <Palette />
        </ErrorBoundary>
        <main className="main">
          <ErrorBoundary area="the canvas">
            <GraphCanvas />
          </ErrorBoundary>
          <Problems />
        </main>
        <ErrorBoundary area="the inspector">
          <Inspector />
        </ErrorBoundary>
        <StatusBar />
      </div>
      <AddPopup />
      <Welcome />
      <Dialogs />
      <InspectPanel />
      <TrainingPanel />
      <ExportDialog />
    </ReactFlowProvider>
  );
}
