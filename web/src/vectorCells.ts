// A layer's short output vector (a dense layer's units, the class scores or probabilities) as a row
// of labelled cells, for the Train and Draw pages: each unit's number, or class name, over its value,
// colored as the library's pictures color it (blue/white/red when signed, black to white otherwise).

import { divergingMap, grayMap } from 'convnet-ts';
import { element } from './ui.js';
import { formatValue, mapValues } from './valueGrid.js';

/**
 * Fills `cells` with one labelled cell per value. `range` is the largest magnitude drawn at full
 * color; a vector as long as `classNames` is labelled with them (the class layers), any other by unit
 * number; probabilities are written as percentages. Cells are reused when the length stays.
 */
export function fillVectorCells(
  cells: HTMLElement,
  values: readonly number[],
  options: { range: number; isProbability: boolean; classNames: readonly string[] },
): void {
  const isSigned = values.some((value) => value < 0);
  const range = options.range || 1;
  const rgba = isSigned ? mapValues(values, divergingMap, -range, range) : mapValues(values, grayMap, 0, range);
  const isClasses = values.length === options.classNames.length;
  if (cells.childElementCount !== values.length) {
    cells.replaceChildren(
      ...values.map(() => element('span', { class: 'vector-cell' }, element('small'), element('span'))),
    );
  }
  values.forEach((value, index) => {
    const cell = cells.children[index] as HTMLElement;
    const [red, green, blue] = [rgba[index * 4]!, rgba[index * 4 + 1]!, rgba[index * 4 + 2]!];
    const label = isClasses ? options.classNames[index]! : String(index);
    cell.style.background = `rgb(${red}, ${green}, ${blue})`;
    cell.style.color = 0.299 * red + 0.587 * green + 0.114 * blue > 140 ? '#1d2330' : '#ffffff';
    cell.title = `${isClasses ? 'class' : 'unit'} ${label}: ${value}`;
    cell.dataset.index = String(index);
    cell.children[0]!.textContent = label;
    cell.children[1]!.textContent = options.isProbability ? `${Math.round(value * 100)}%` : formatValue(value, 1);
  });
}
