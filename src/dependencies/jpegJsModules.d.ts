// Types of jpeg-js's two modules, which its package declares only through its index: the browser
// dependencies import them one by one so that a bundle keeps only the one it uses.

declare module 'jpeg-js/lib/decoder.js' {
  import type Jpeg from 'jpeg-js';
  const decode: typeof Jpeg.decode;
  export default decode;
}

declare module 'jpeg-js/lib/encoder.js' {
  import type Jpeg from 'jpeg-js';
  const encode: typeof Jpeg.encode;
  export default encode;
}
