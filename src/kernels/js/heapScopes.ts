// Scopes for a backend whose tensors live on the JavaScript heap (the reference backend). Nothing
// needs releasing there (the collector reclaims), but a scope's outputs that it did not return are
// marked freed all the same, as the WebAssembly backend's are: code that reads one after its scope
// then fails on every backend, not only on the fast one, where its memory holds other values.

import { allocateArray, type DType, type FloatArray } from '../../core/dtype.js';

/** Each array allocated while a scope is open, with its allocation number (weakly: never kept alive). */
const scopeAllocations = new WeakMap<FloatArray, number>();
let allocationCount = 0;
let openScopes = 0;

/** Backend.allocate: a heap array, numbered while a scope is open. */
export function allocateInHeapScope(dtype: DType, size: number): FloatArray {
  const data = allocateArray(dtype, size);
  if (openScopes > 0) scopeAllocations.set(data, allocationCount++);
  return data;
}

/** Backend.openScope: the mark is the number of the next allocation. */
export function openHeapScope(): number {
  openScopes++;
  return allocationCount;
}

/** Backend.closeScope. */
export function closeHeapScope(): void {
  openScopes--;
}

/** Backend.isScopeTemporary: allocated since `mark` (inner scopes' outputs were settled when they closed). */
export function isHeapScopeTemporary(data: FloatArray, mark: number): boolean {
  const number = scopeAllocations.get(data);
  return number !== undefined && number >= mark;
}
