// Color maps: how a number becomes a color in the pictures. Each takes t in [0, 1] and writes r, g, b
// in [0, 1]; the formulas are the whole definition, so the browser and the CLI draw the same colors.

/** Maps t in [0, 1] to a color: writes r, g, b in [0, 1] into rgb at offset. */
export type ColorMap = (t: number, rgb: Float32Array, offset: number) => void;

function clamp01(value: number): number {
  return value < 0 ? 0 : Math.min(value, 1);
}

/** Black (0) to white (1): for values that cannot be negative (after ReLU, pooling, an image). */
export const grayMap: ColorMap = (t, rgb, offset) => {
  const value = clamp01(t);
  rgb[offset] = value;
  rgb[offset + 1] = value;
  rgb[offset + 2] = value;
};

/**
 * Blue (0) through white (0.5) to red (1): for signed values (kernels, conv outputs before ReLU),
 * mapped so that zero is white; blue is negative, red positive.
 */
export const divergingMap: ColorMap = (t, rgb, offset) => {
  const value = clamp01(t);
  if (value < 0.5) {
    const s = value * 2; // 0 at full blue, 1 at white
    rgb[offset] = 0.13 + 0.87 * s;
    rgb[offset + 1] = 0.4 + 0.6 * s;
    rgb[offset + 2] = 0.8 + 0.2 * s;
  } else {
    const s = (1 - value) * 2; // 0 at full red, 1 at white
    rgb[offset] = 0.8 + 0.2 * s;
    rgb[offset + 1] = 0.1 + 0.9 * s;
    rgb[offset + 2] = 0.1 + 0.9 * s;
  }
};

/** "Hot": black, red, yellow, white as t rises in thirds; for heat maps (Grad-CAM). */
export const heatMap: ColorMap = (t, rgb, offset) => {
  const value = clamp01(t);
  rgb[offset] = clamp01(3 * value);
  rgb[offset + 1] = clamp01(3 * value - 1);
  rgb[offset + 2] = clamp01(3 * value - 2);
};
