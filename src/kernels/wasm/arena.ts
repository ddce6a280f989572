// The WebAssembly backend's memory owner. One WebAssembly.Memory holds every tensor the backend
// allocates. Temporaries come from a stack: a scope marks the top and releasing the mark frees
// everything allocated since (the training loop opens one scope per step, so steady-state training
// reuses the same addresses and allocates nothing new). Persistent buffers (weights, optimizer
// state) are placed above the stack's top, in the first gap that fits, and never move; the stack
// skips over them. A persistent buffer is freed when its owner is gone (see Runtime.allocate).
// A temporary may also be given back before its scope ends (freeTemporary: the backward pass frees
// each gradient once used); it becomes a hole below the top that later temporaries of the same scope
// take (allocateReusing), so a training step's peak holds its activations and few gradients at once.
//
// Every block is 64-byte aligned and followed by 64 spare bytes, because SIMD kernels may read up to
// 7 floats past the end of a row (see assembly/gemm.ts).

import { ValueError } from '../../core/errors.js';

const PAGE_BYTES = 65536;
const ALIGNMENT = 64;
const PADDING = 64;

interface Block {
  start: number;
  end: number;
}

function alignUp(value: number): number {
  return Math.ceil(value / ALIGNMENT) * ALIGNMENT;
}

export class Arena {
  private top: number;
  private readonly base: number;
  private readonly persistent: Block[] = [];
  /** Freed temporaries below the top, sorted and disjoint, each [start, end) with both ends aligned. */
  private readonly holes: Block[] = [];
  /** ArrayBuffers this memory has exposed (a shared memory gives a new one after each grow). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Highest byte ever in use, for memory reports. */
  peak = 0;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    private readonly maximumBytes: number,
  ) {
    this.top = alignUp(base);
    this.base = this.top;
    this.buffers.add(memory.buffer);
  }

  /** The current view of the whole memory. */
  get buffer(): ArrayBufferLike {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return buffer;
  }

  /** Whether a typed array lives in this memory (so kernels can use it in place). */
  contains(array: ArrayBufferView): boolean {
    return this.buffers.has(array.buffer);
  }

  /** A byte offset of `bytes` free bytes on the temporary stack. */
  allocate(bytes: number): number {
    const start = this.firstFit(alignUp(this.top), bytes);
    this.ensure(start + bytes + PADDING);
    this.top = start + bytes;
    return start;
  }

  /**
   * A byte offset of `bytes` free bytes for a temporary: the first hole at or above `floor` (the
   * innermost scope's mark, so that the temporary is that scope's) that fits, or the last hole grown
   * past the top where it ends there, else the top of the stack as allocate gives.
   */
  allocateReusing(bytes: number, floor: number): number {
    const size = alignUp(bytes);
    for (let index = this.firstHoleEndingAfter(floor); index < this.holes.length; index++) {
      const hole = this.holes[index]!;
      const start = hole.start;
      if (start < floor) continue;
      if (hole.end - start >= size) {
        if (hole.end - start === size) this.holes.splice(index, 1);
        else hole.start = start + size;
        return start;
      }
      if (hole.end === alignUp(this.top) && this.firstFit(start, bytes) === start) {
        // The last hole ends at the top: the temporary starts in it and runs past the top.
        this.holes.splice(index, 1);
        this.ensure(start + bytes + PADDING);
        this.top = start + bytes;
        return start;
      }
    }
    return this.allocate(bytes);
  }

  /**
   * Gives back a temporary before its scope ends: `start` and `bytes` as allocate or allocateReusing
   * handed them out. Its bytes join the holes (merged with their neighbours) until a later temporary
   * takes them or the scope's release drops them.
   */
  freeTemporary(start: number, bytes: number): void {
    let end = Math.min(alignUp(start + bytes), alignUp(this.top));
    const index = this.firstHoleEndingAfter(start);
    const next = this.holes[index];
    if (next !== undefined && next.start === end) {
      end = next.end;
      this.holes.splice(index, 1);
    }
    const previous = this.holes[index - 1];
    if (previous !== undefined && previous.end === start) previous.end = end;
    else this.holes.splice(index, 0, { start, end });
  }

  /** Bytes in holes (freed temporaries below the top). */
  holeBytes(): number {
    return this.holes.reduce((sum, hole) => sum + hole.end - hole.start, 0);
  }

  /** The index of the first hole whose end is past `offset` (the length when none is). */
  private firstHoleEndingAfter(offset: number): number {
    let low = 0;
    let high = this.holes.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.holes[middle]!.end <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * A byte offset of `bytes` bytes that no scope will release: the first gap above the stack's top
   * (everything there is free but persistent blocks) that fits, else past the highest block.
   */
  allocatePersistent(bytes: number): number {
    const start = this.firstFit(alignUp(this.top + PADDING), bytes);
    this.ensure(start + bytes + PADDING);
    this.persistent.splice(this.firstEndingAfter(start), 0, { start, end: start + bytes });
    return start;
  }

  /** Returns a persistent block to the free space; `start` is what allocatePersistent gave. */
  freePersistent(start: number): void {
    const index = this.firstEndingAfter(start);
    if (this.persistent[index]?.start === start) this.persistent.splice(index, 1);
  }

  /**
   * The lowest aligned offset from `start` where `bytes` (and the padding either side) fit between
   * persistent blocks. The blocks are sorted and disjoint, so the search starts at the first block
   * that ends after `start` (binary search) and only walks the blocks in the way: building a model
   * of 10,000 small layers took 10 s when every allocation scanned and re-sorted all blocks.
   */
  private firstFit(start: number, bytes: number): number {
    for (let index = this.firstEndingAfter(start - PADDING); index < this.persistent.length; index++) {
      const block = this.persistent[index]!;
      if (start + bytes + PADDING <= block.start) break;
      start = Math.max(start, alignUp(block.end + PADDING));
    }
    return start;
  }

  /** The index of the first persistent block whose end is past `offset` (the length when none is). */
  private firstEndingAfter(offset: number): number {
    let low = 0;
    let high = this.persistent.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.persistent[middle]!.end <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Persistent blocks in use, and their bytes (for memory reports and tests). */
  persistentUse(): { blocks: number; bytes: number } {
    return {
      blocks: this.persistent.length,
      bytes: this.persistent.reduce((sum, block) => sum + block.end - block.start, 0),
    };
  }

  /** Whether byte `offset` lies in a persistent block in use. */
  isPersistent(offset: number): boolean {
    let low = 0;
    let high = this.persistent.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const block = this.persistent[middle]!;
      if (offset < block.start) high = middle - 1;
      else if (offset >= block.end) low = middle + 1;
      else return true;
    }
    return false;
  }

  /** Bytes held now: the temporary stack (up to its top) plus every persistent block in use. */
  bytesInUse(): number {
    return this.top - this.base - this.holeBytes() + this.persistentUse().bytes;
  }

  /** The current top of the temporary stack, to release back to. */
  mark(): number {
    return this.top;
  }

  /** Frees every temporary allocated since `mark` (holes above it go too). */
  release(mark: number): void {
    this.top = mark;
    const index = this.firstHoleEndingAfter(mark);
    const straddling = this.holes[index];
    if (straddling !== undefined && straddling.start < mark) {
      straddling.end = alignUp(mark);
      this.holes.splice(index + 1);
    } else {
      this.holes.splice(index);
    }
  }

  private ensure(end: number): void {
    this.peak = Math.max(this.peak, end);
    const size = this.memory.buffer.byteLength;
    if (end <= size) return;
    if (end > this.maximumBytes) {
      throw new ValueError(
        `wasm backend: out of memory: needs ${end} bytes, the memory is limited to ${this.maximumBytes}; ` +
          `pass a larger memoryBytes to initWasmBackend`,
      );
    }
    this.memory.grow(Math.ceil((end - size) / PAGE_BYTES));
    this.buffers.add(this.memory.buffer);
  }
}
