// Convolution filters in the two layouts ONNX files meet: ConvNet.ts's HWIO ([kH, kW, inC, outC],
// channels last like the activations) and ONNX's OIHW ([outC, inC, kH, kW]). Export and import
// convert with the one loop here, in opposite directions.

/** The filter's sizes; inC is the input channels each filter sees (inC / groups for grouped convs). */
export interface FilterSize {
  kH: number;
  kW: number;
  inC: number;
  outC: number;
}

/** Copies every filter value from `from` to `to`, HWIO to OIHW or OIHW to HWIO. */
export function convertFilterLayout(
  from: ArrayLike<number>,
  to: { [index: number]: number },
  size: FilterSize,
  direction: 'HWIO->OIHW' | 'OIHW->HWIO',
): void {
  const { kH, kW, inC, outC } = size;
  for (let ky = 0; ky < kH; ky++) {
    for (let kx = 0; kx < kW; kx++) {
      for (let ic = 0; ic < inC; ic++) {
        for (let oc = 0; oc < outC; oc++) {
          const hwio = ((ky * kW + kx) * inC + ic) * outC + oc;
          const oihw = ((oc * inC + ic) * kH + ky) * kW + kx;
          if (direction === 'HWIO->OIHW') to[oihw] = from[hwio]!;
          else to[hwio] = from[oihw]!;
        }
      }
    }
  }
}

/**
 * Copies output filter `oc` given alone (its inC x kH x kW values in OIHW order) into its place in the HWIO
 * filter `to`: the import's form of OIHW to HWIO, which reads the file's weights one filter at a time.
 */
export function placeOihwFilter(
  filter: ArrayLike<number>,
  to: { [index: number]: number },
  size: FilterSize,
  oc: number,
): void {
  const { kH, kW, inC, outC } = size;
  for (let ky = 0; ky < kH; ky++)
    for (let kx = 0; kx < kW; kx++)
      for (let ic = 0; ic < inC; ic++) to[((ky * kW + kx) * inC + ic) * outC + oc] = filter[(ic * kH + ky) * kW + kx]!;
}
