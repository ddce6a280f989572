// The Teach page's chart of training: loss (scaled to the first epoch's) and accuracy (0..100%) per
// epoch, as two lines on a canvas. The canvas keeps its pixel size; CSS shrinks it on a narrow screen.

import type { EpochFigures } from './protocol.js';

const LOSS_COLOR = '#c2410c';
const ACCURACY_COLOR = '#2563eb';
const MARGIN = 24;

/** Redraws `canvas` with one point per epoch of `history` (an empty history leaves the axes and legend). */
export function drawTrainingChart(canvas: HTMLCanvasElement, history: readonly EpochFigures[]): void {
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.strokeStyle = '#c8ccd4';
  context.lineWidth = 1;
  context.strokeRect(MARGIN + 0.5, 8.5, width - MARGIN - 8, height - MARGIN - 8);
  context.font = '12px system-ui, sans-serif';
  context.fillStyle = LOSS_COLOR;
  context.fillText('loss', MARGIN + 6, height - 6);
  context.fillStyle = ACCURACY_COLOR;
  context.fillText('accuracy', MARGIN + 46, height - 6);
  context.fillStyle = '#555';
  context.fillText('100%', 0, 18);
  if (history.length === 0) return;
  const epochs = history[0]!.epochs;
  const plotWidth = width - MARGIN - 8;
  const plotHeight = height - MARGIN - 8;
  const x = (epoch: number) => MARGIN + (epochs <= 1 ? plotWidth : ((epoch - 1) / (epochs - 1)) * plotWidth);
  const largestLoss = Math.max(...history.map((figures) => figures.loss), 1e-9);
  const line = (color: string, value: (figures: EpochFigures) => number) => {
    context.strokeStyle = color;
    context.lineWidth = 2;
    context.beginPath();
    history.forEach((figures, index) => {
      const y = 8 + (1 - Math.max(0, Math.min(1, value(figures)))) * plotHeight;
      if (index === 0) context.moveTo(x(figures.epoch), y);
      else context.lineTo(x(figures.epoch), y);
    });
    context.stroke();
  };
  line(LOSS_COLOR, (figures) => figures.loss / largestLoss);
  line(ACCURACY_COLOR, (figures) => figures.accuracy);
}
