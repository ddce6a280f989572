// The play / pause / step / speed bar of the window animations (Convolution and Pooling pages): one
// position per output cell, advanced on requestAnimationFrame at a chosen rate, so the main thread
// only redraws when a position changes and a hidden tab costs nothing.

import { element } from './ui.js';

/** Positions per second of the speed slider's steps. */
const SPEEDS = [1, 2, 5, 10, 25, 60, 150, 400];

export interface Stepper {
  /** The control bar. */
  readonly root: HTMLElement;
  /** The current position, 0 to count - 1 (the output cells before it and at it are shown). */
  readonly index: number;
  readonly count: number;
  readonly isPlaying: boolean;
  /**
   * Sets the number of positions, keeping the current one where it still exists. 0 means nothing to
   * show (no window fits): every button is disabled and `emptyText` says why.
   */
  setCount(count: number, emptyText?: string): void;
  goTo(index: number): void;
  play(): void;
  pause(): void;
  /** Stops the animation for good (the page is leaving). */
  dispose(): void;
}

/** A stepper over `count` positions that calls `onChange(index)` whenever the position changes. */
export function createStepper(
  onChange: (index: number) => void,
  options: { idPrefix: string; speed?: number },
): Stepper {
  let index = 0;
  let count = 1;
  let emptyText = '';
  let isPlaying = false;
  let frame = 0;
  let lastTime = 0;
  let carry = 0;
  let speedIndex = Math.max(0, SPEEDS.indexOf(options.speed ?? 10));

  const restart = element(
    'button',
    { class: 'secondary', id: `${options.idPrefix}-restart`, title: 'Back to the first position' },
    '|\u25c0 Start',
  );
  const back = element(
    'button',
    { class: 'secondary', id: `${options.idPrefix}-back`, title: 'One position back' },
    '\u25c0 Back',
  );
  const playButton = element('button', { id: `${options.idPrefix}-play` }, '\u25b6 Play');
  const step = element(
    'button',
    { class: 'secondary', id: `${options.idPrefix}-step`, title: 'One position forward' },
    'Step \u25b6',
  );
  const end = element(
    'button',
    { class: 'secondary', id: `${options.idPrefix}-end`, title: 'Show the whole output' },
    'Jump to end \u25b6|',
  );
  const speedInput = element('input', {
    type: 'range',
    min: '0',
    max: String(SPEEDS.length - 1),
    step: '1',
    value: String(speedIndex),
    id: `${options.idPrefix}-speed`,
  });
  const speedShown = element('output', {}, `${SPEEDS[speedIndex]}/s`);
  const positionShown = element('span', { class: 'stepper-position', id: `${options.idPrefix}-position` });
  const root = element(
    'div',
    { class: 'controls stepper' },
    restart,
    back,
    playButton,
    step,
    end,
    element('label', { class: 'control' }, 'Speed ', speedInput, speedShown),
    positionShown,
  );

  function show(): void {
    playButton.textContent = isPlaying ? '\u2016 Pause' : '\u25b6 Play';
    positionShown.textContent = count === 0 ? emptyText || 'no positions' : `position ${index + 1} of ${count}`;
    back.disabled = restart.disabled = index === 0;
    step.disabled = end.disabled = index >= count - 1;
    playButton.disabled = count === 0;
  }

  function goTo(target: number): void {
    if (count === 0) return;
    const next = Math.min(Math.max(Math.round(target), 0), count - 1);
    const isChanged = next !== index;
    index = next;
    if (index === count - 1 && isPlaying) pause();
    show();
    if (isChanged) onChange(index);
  }

  function tick(time: number): void {
    if (!isPlaying) return;
    carry += ((time - lastTime) / 1000) * SPEEDS[speedIndex]!;
    lastTime = time;
    const steps = Math.floor(carry);
    carry -= steps;
    if (steps > 0) goTo(index + steps);
    if (isPlaying) frame = requestAnimationFrame(tick);
  }

  function play(): void {
    if (isPlaying || count === 0) return;
    if (index === count - 1) goTo(0);
    isPlaying = true;
    lastTime = performance.now();
    carry = 0;
    frame = requestAnimationFrame(tick);
    show();
  }

  function pause(): void {
    isPlaying = false;
    cancelAnimationFrame(frame);
    show();
  }

  playButton.addEventListener('click', () => (isPlaying ? pause() : play()));
  restart.addEventListener('click', () => goTo(0));
  back.addEventListener('click', () => {
    pause();
    goTo(index - 1);
  });
  step.addEventListener('click', () => {
    pause();
    goTo(index + 1);
  });
  end.addEventListener('click', () => {
    pause();
    goTo(count - 1);
  });
  speedInput.addEventListener('input', () => {
    speedIndex = Number(speedInput.value);
    speedShown.textContent = `${SPEEDS[speedIndex]}/s`;
  });
  show();

  return {
    root,
    get index() {
      return index;
    },
    get count() {
      return count;
    },
    get isPlaying() {
      return isPlaying;
    },
    setCount(next, why = '') {
      count = Math.max(0, next);
      emptyText = why;
      index = Math.max(0, Math.min(index, count - 1));
      if (index >= count - 1 && isPlaying) pause();
      show();
    },
    goTo,
    play,
    pause,
    dispose() {
      pause();
    },
  };
}
