// Colours as [r, g, b] (0..255 each): read from "#rrggbb" (or "#rgb") and "rgb(r, g, b)",
// mixed, written back as CSS, and how well two of them read on each other (WCAG). Every
// view that paints colours itself (SVG, canvas) takes them from here. Pure (node tests:
// tests/js/lib/color.test.mjs).

export function parseColor(hex) {
  const h = hex.trim().replace("#", "");
  const full = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
}

// "rgb(1, 2, 3)" -> [1, 2, 3] (mid grey when it is not one).
export function parseRgb(text) {
  const m = /rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)/.exec(text ?? "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [128, 128, 128];
}

// From a (t = 0) to b (t = 1), t clamped to that range.
export function mix(a, b, t) {
  const u = Math.min(1, Math.max(0, t));
  return a.map((v, i) => Math.round(v + (b[i] - v) * u));
}

export function rgb([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

// WCAG relative luminance, 0 (black) .. 1 (white).
export function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

// WCAG contrast ratio, 1 (the same) .. 21 (black on white).
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
