/**
 * Live loss and accuracy curves (uPlot): every batch as a thin line, each
 * epoch's training and validation values as points joined by lines.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { curveData } from './curve-data';
import type { CurvePoint, EpochPoint } from './training-store';

interface Props {
  metric: 'loss' | 'accuracy';
  batches: CurvePoint[];
  epochs: EpochPoint[];
  width?: number;
  height?: number;
}

export function Curves({ metric, batches, epochs, width = 460, height = 220 }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const pct = metric === 'accuracy';
    const fmt = (v: number | null) => (v == null ? '–' : pct ? `${(v * 100).toFixed(1)}%` : v.toFixed(4));
    plot.current = new uPlot(
      {
        width,
        height,
        title: pct ? 'Accuracy' : 'Loss',
        scales: { x: { time: false }, y: pct ? { range: [0, 1] } : { auto: true } },
        axes: [{ label: 'epoch' }, { values: (_u, vals) => vals.map((v) => (pct ? `${Math.round(v * 100)}%` : String(+v.toFixed(3)))) }],
        series: [
          { label: 'epoch', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
          { label: 'batch', stroke: '#94a3b8', width: 1, spanGaps: true, points: { show: false }, value: (_u, v) => fmt(v) },
          { label: 'train', stroke: '#2563eb', width: 2, spanGaps: true, points: { show: true, size: 6 }, value: (_u, v) => fmt(v) },
          { label: 'validation', stroke: '#c2410c', width: 2, spanGaps: true, points: { show: true, size: 6 }, value: (_u, v) => fmt(v) },
        ],
      },
      curveData(metric, [], []) as uPlot.AlignedData,
      el.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [metric, width, height]);
  useEffect(() => {
    plot.current?.setData(curveData(metric, batches, epochs) as uPlot.AlignedData);
  }, [metric, batches, epochs]);
  return <div ref={el} className="trn-chart" data-testid={`training-chart-${metric}`} />;
}
