// A counter of in-place weight changes, process-wide: optimizer steps, training-mode batch
// normalization (its moving averages) and callbacks that restore weights bump it, and a model's
// inference plan (model/inferencePlan.ts), which keeps folded copies of the weights, is rebuilt when
// it moved. One counter for all models keeps every writer simple: a step of one model only costs
// another model one re-fold at its next inference.

let version = 0;

/** Says that some weight's values may have changed in place; inference plans built before are rebuilt. */
export function noteWeightsChanged(): void {
  version++;
}

/** The current count of noteWeightsChanged calls. */
export function weightsVersion(): number {
  return version;
}
