/**
 * Keeps a bug in one part of the window from blanking the whole editor: the
 * part shows what went wrong and offers to try again; the document is in the
 * store (and autosaved), so nothing is lost.
 */
import { Component, type ReactNode } from 'react';

interface Props {
  /** What this part of the window is, for the message ("the canvas"). */
  area: string;
  children: ReactNode;
}

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error) {
    console.error(`${this.props.area} failed:`, error);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="callout error" role="alert" style={{ margin: 16 }} data-testid="error-boundary">
        <b>Something went wrong in {this.props.area}.</b>
        {this.state.error.message}
        <div style={{ marginTop: 8 }}>
          Your network is kept (and autosaved).{' '}
          <button className="btn btn-outline" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      </div>
    );
  }
}
