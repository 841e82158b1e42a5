/** The editor: toolbar, palette, canvas with problems, inspector, status bar, and overlays. */
import { ReactFlowProvider } from '@xyflow/react';
import { GraphCanvas } from './canvas/GraphCanvas';
import { useEngineStartup } from './hooks/useEngineEvents';
import { useShortcuts } from './hooks/useShortcuts';
import { AddPopup } from './panels/AddPopup';
import { Dialogs } from './panels/Dialogs';
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
        <Palette />
        <main className="main">
          <GraphCanvas />
          <Problems />
        </main>
        <Inspector />
        <StatusBar />
      </div>
      <AddPopup />
      <Welcome />
      <Dialogs />
      <InspectPanel />
      <TrainingPanel />
    </ReactFlowProvider>
  );
}
