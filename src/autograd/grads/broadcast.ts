// Backward rule of broadcasting arithmetic (ops/broadcast.ts). With o = a (op) b and g = dOut:
//   add:      da = g,        db = g
//   subtract: da = g,        db = -g
//   multiply: da = g * b,    db = g * a
//   divide:   da = g / b,    db = -g * a / b^2 = -(g * o) / b
//   maximum:  da = g * w(a, b), db = g * w(b, a); minimum: da = g * w(b, a), db = g * w(a, b)
//             with w(a, b) the selection weight (1 where a > b, 1/2 where a = b, 0 else: ties split
//             equally, as torch.maximum and torch.minimum do)
// each then summed over the axes the operand was broadcast along (reduceSumTo), so an operand read
// many times collects every use.

import type { Tensor } from '../../core/tensor.js';
import { broadcastArithmetic, reduceSumTo, scalarLike, type BroadcastSaved } from '../../ops/broadcast.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<BroadcastSaved>('BroadcastArithmetic', (entry, dOut, isNeeded) => {
  const [a, b] = entry.inputs as [Tensor, Tensor];
  const { operation } = entry.saved;
  const name = `${operation} gradient`;
  let dA: Tensor | null = null;
  let dB: Tensor | null = null;
  if (operation === 'selectionWeight') return [null, null];
  if (operation === 'maximum' || operation === 'minimum') {
    const [larger, smaller] = operation === 'maximum' ? [a, b] : [b, a];
    const share = (first: Tensor, second: Tensor) =>
      broadcastArithmetic('multiply', dOut, broadcastArithmetic('selectionWeight', first, second, name), name);
    if (isNeeded[0]) dA = reduceSumTo(share(larger, smaller), a.shape, name);
    if (isNeeded[1]) dB = reduceSumTo(share(smaller, larger), b.shape, name);
    return [dA, dB];
  }
  if (isNeeded[0]) {
    const local =
      operation === 'multiply'
        ? broadcastArithmetic('multiply', dOut, b, name)
        : operation === 'divide'
          ? broadcastArithmetic('divide', dOut, b, name)
          : dOut;
    dA = reduceSumTo(local, a.shape, name);
  }
  if (isNeeded[1]) {
    if (operation === 'add') dB = reduceSumTo(dOut, b.shape, name);
    else if (operation === 'multiply') dB = reduceSumTo(broadcastArithmetic('multiply', dOut, a, name), b.shape, name);
    else {
      const local =
        operation === 'subtract'
          ? dOut
          : broadcastArithmetic('divide', broadcastArithmetic('multiply', dOut, entry.output, name), b, name);
      const summed = reduceSumTo(local, b.shape, name);
      dB = broadcastArithmetic('multiply', summed, scalarLike(-1, summed), name);
    }
  }
  return [dA, dB];
});
