import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles/app.css';
import { App } from './App';
import { useGraphStore } from './state/graph-store';
import { useAnalysisStore } from './state/analysis-store';
import { runCommand } from './commands/registry';
import { getFlow } from './canvas/flow-ref';

// Handles for end-to-end tests and the benchmark (read-only inspection and
// running named commands, exactly what the UI itself does).
(window as unknown as { __cnn: unknown }).__cnn = { graph: useGraphStore, analysis: useAnalysisStore, runCommand, getFlow };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
