// Seeded pseudo-random numbers, so that weight initialisation, shuffling and dropout repeat exactly
// for a given seed. Generator: xoshiro128** (Blackman and Vigna, 2018), seeded through splitmix32.

/** A seeded random number generator. Same seed, same sequence, on every platform. */
export class Random {
  private state = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    let mixed = seed >>> 0;
    for (let index = 0; index < 4; index++) {
      // splitmix32 spreads a small seed over the 128-bit state (an all-zero state would stick at zero).
      mixed = (mixed + 0x9e3779b9) >>> 0;
      let z = mixed;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.state[index] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(rotateLeft(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotateLeft(s[3]!, 11);
    return result;
  }

  /** A uniform number in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, bound). */
  integer(bound: number): number {
    return Math.floor(this.uniform() * bound);
  }

  /** A standard normal sample (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `values` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [index: number]: number }>(values: T): T {
    for (let index = values.length - 1; index > 0; index--) {
      const other = this.integer(index + 1);
      const kept = values[index]!;
      values[index] = values[other]!;
      values[other] = kept;
    }
    return values;
  }

  /** The whole generator state, to save in a checkpoint. */
  getState(): number[] {
    return [...this.state, this.spareNormal ?? Number.NaN];
  }

  /** Restores a state getState returned, so the generator repeats the numbers it drew from there. */
  setState(state: readonly number[]): void {
    for (let index = 0; index < 4; index++) this.state[index] = state[index]! >>> 0;
    const spare = state[4];
    this.spareNormal = spare === undefined || Number.isNaN(spare) ? null : spare;
  }
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
