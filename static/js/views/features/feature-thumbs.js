// A feature's thumbnail (its value over the plane, as the server packs it in the grid's
// `features`: {low, high, data}) painted in the theme's diverging colours, as an image
// address for an <img> or an SVG <image>: the feature switches and the diagram's input
// nodes show the same picture.
import { colorTable, decodeBase64Into, gridSize, paintFlipped, unitScale } from "../heatmap/grid-decode.js";

/** The packed thumbnail as a PNG data URL, coloured with `pal` ({pos, neg, zero}: theme.js
 *  palette), 0 neutral and the larger of |low| and |high| full colour. */
export function thumbnailURL(packed, pal) {
  const bytes = decodeBase64Into(packed.data);
  const res = gridSize(bytes);
  const canvas = document.createElement("canvas");
  canvas.width = res;
  canvas.height = res;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(res, res);
  const table = colorTable(packed.low, packed.high, unitScale("linear", packed.low, packed.high), pal);
  paintFlipped(bytes, table, new Uint32Array(image.data.buffer), res);
  ctx.putImageData(image, 0, 0);
  return canvas.toDataURL();
}

/** Every feature's thumbnail address by name, from a grid's `features` (null: none yet). */
export function thumbnailURLs(features, pal) {
  if (!features) return null;
  return Object.fromEntries(Object.entries(features).map(([name, packed]) => [name, thumbnailURL(packed, pal)]));
}
