// Training progress on the terminal: a live bar (loss, accuracy, images/s, ETA) when the output is a
// terminal, and one line per epoch otherwise (logs, CI).

import cliProgress from 'cli-progress';
import type { BatchProgress, EpochLogs, TrainingCallbacks } from '../src/index.js';

export function progressReporter(stream: NodeJS.WriteStream): TrainingCallbacks {
  const isInteractive = stream.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  let examplesPerEpoch = 0;
  let totalEpochs = 0;
  return {
    onTrainBegin(info) {
      examplesPerEpoch = info.examples;
      totalEpochs = info.epochs;
    },
    onEpochBegin(epoch) {
      if (!isInteractive) return;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format:
            `epoch ${epoch}/${totalEpochs} [{bar}] {percentage}% | loss {loss} | acc {accuracy} | ` +
            `{speed} img/s | ETA {remaining}`,
          barCompleteChar: '=',
          barIncompleteChar: ' ',
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.legacy,
      );
      bar.start(examplesPerEpoch, 0, { loss: '-', accuracy: '-', speed: '-', remaining: '-' });
    },
    onBatchEnd(progress: BatchProgress) {
      if (bar === null) return;
      const remainingExamples = examplesPerEpoch - progress.seen + (totalEpochs - progress.epoch) * examplesPerEpoch;
      bar.update(progress.seen, {
        loss: progress.loss.toFixed(4),
        accuracy: formatPercent(progress.accuracy),
        speed: progress.imagesPerSecond.toFixed(0),
        remaining: formatDuration(remainingExamples / progress.imagesPerSecond),
      });
    },
    onEpochEnd(logs: EpochLogs) {
      bar?.stop();
      bar = null;
      const validation =
        logs.valAccuracy === undefined
          ? ''
          : ` | val loss ${logs.valLoss!.toFixed(4)} | val acc ${formatPercent(logs.valAccuracy)}`;
      stream.write(
        `epoch ${logs.epoch}/${totalEpochs}: loss ${logs.loss.toFixed(4)} | acc ` +
          `${formatPercent(logs.accuracy)}${validation} | ` +
          `${logs.imagesPerSecond.toFixed(0)} img/s | ${formatDuration(logs.seconds)}\n`,
      );
    },
  };
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const rounded = Math.round(seconds);
  const minutes = Math.floor(rounded / 60);
  return minutes > 0 ? `${minutes}m${String(rounded % 60).padStart(2, '0')}s` : `${rounded}s`;
}
