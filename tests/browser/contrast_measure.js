// The contrast that axe-core leaves undecided (tests/browser/test_accessibility.py): SVG
// text (the diagram's labels, the charts' ticks and titles), whose background axe cannot
// determine, against the opaque background of the box the SVG sits in; and every enabled
// button, select and text input, whose edge (its border, or its own background) must stand
// out from what surrounds it by 3:1 (WCAG 1.4.11), or its glyph when it draws no box. Text
// inside a node's pill is left out: the diagram picks its colour for the pill's fill
// (diagram-paint.js readableOn).
// -> {text: [...], controls: [...]}: what falls short, with the ratio.
() => {
  const parse = (css) => {
    const m = css.match(/[\d.]+/g);
    return m ? [Number(m[0]), Number(m[1]), Number(m[2]), m.length > 3 ? Number(m[3]) : 1] : null;
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  const over = ([r, g, b, a], bg) => [r * a + bg[0] * (1 - a), g * a + bg[1] * (1 - a), b * a + bg[2] * (1 - a)];
  const backdrop = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0.9) return c;
    }
    return [255, 255, 255, 1];
  };
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
    && !el.closest('[display=none]');
  const describe = (el) => el.dataset?.testid ?? el.getAttribute('class') ?? el.tagName.toLowerCase();

  const text = [];
  for (const t of document.querySelectorAll('svg text')) {
    if (!t.textContent.trim() || !shown(t) || t.classList.contains('node-value')) continue;
    const style = getComputedStyle(t);
    const fill = parse(style.fill);
    if (!fill) continue;
    const bg = backdrop(t.closest('svg').parentElement);
    const alpha = fill[3] * Number(style.opacity) * Number(style.fillOpacity);
    const r = ratio(over([fill[0], fill[1], fill[2], alpha], bg), bg);
    if (r < 4.5) text.push(`${describe(t)} "${t.textContent.slice(0, 24)}": ${r.toFixed(2)}:1`);
  }

  const controls = [];
  const fields = 'button, select, input:not([type=checkbox]):not([type=radio]):not([type=range]), textarea';
  for (const el of document.querySelectorAll(fields)) {
    if (el.disabled || !shown(el) || el.closest('svg')) continue;
    const style = getComputedStyle(el);
    const around = backdrop(el.parentElement);
    const own = parse(style.backgroundColor);
    const fill = own && own[3] > 0 ? over(own, around) : around;
    const border = parseFloat(style.borderTopWidth) > 0 ? over(parse(style.borderTopColor), around) : fill;
    let r = Math.max(ratio(border, around), ratio(fill, around));
    // A control drawn as its glyph alone (a borderless "×"): the glyph is what shows it.
    if (r < 1.05) r = ratio(over(parse(style.color), around), around);
    if (r < 3) controls.push(`${describe(el)}: ${r.toFixed(2)}:1`);
  }
  return { text, controls };
}
