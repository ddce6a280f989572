// Comparison of our channels-last feature maps with onnxruntime's channels-first ones (the ONNX
// import tests of models whose output is a map: resize graphs, segmentation models).

/**
 * Largest |ours - theirs| over an NCHW output of onnxruntime and our NHWC one, with the range of theirs.
 */
export function compareChannelsLast(
  ours: ArrayLike<number>,
  theirs: ArrayLike<number>,
  dims: readonly number[],
): { largest: number; range: number; worst: string } {
  const [batch, channels, height, width] = dims as [number, number, number, number];
  let largest = 0;
  let worst = '';
  let low = Infinity;
  let high = -Infinity;
  for (let image = 0; image < batch; image++) {
    for (let channel = 0; channel < channels; channel++) {
      for (let row = 0; row < height; row++) {
        for (let column = 0; column < width; column++) {
          const expected = theirs[((image * channels + channel) * height + row) * width + column]!;
          const actual = ours[((image * height + row) * width + column) * channels + channel]!;
          low = Math.min(low, expected);
          high = Math.max(high, expected);
          const difference = Math.abs(actual - expected);
          if (!(difference <= largest)) {
            largest = Number.isNaN(difference) ? Infinity : difference;
            worst = `[${image}, ${channel}, ${row}, ${column}]: ${actual} here, ${expected} in onnxruntime`;
          }
        }
      }
    }
  }
  return { largest, range: high - low, worst };
}
