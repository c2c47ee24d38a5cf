// Plotly charts that follow their boxes. Plotly's own `responsive` option listens to the
// window only, and its resize takes the div's height at that moment: a chart whose box
// changed while it was hidden, or while a column came or went, kept a stale width or lost
// its height and spilled over the next chart's heading. Every chart div is watched here
// (ResizeObserver): a new box size lays the chart out again at exactly its box's width and
// the height the chart is meant to have.
const watched = new WeakSet();

// Whether the chart boxes set the charts' heights (a lesson step's stage, style.css
// html.present-staged) rather than the charts setting their boxes'.
export function boxSetsHeight() {
  return document.documentElement.classList.contains("present-staged");
}

// `layout` with the height its chart is drawn at: its own, or its box's on a stage.
export function sized(layout, div) {
  if (!boxSetsHeight()) return layout;
  const height = Math.round(div.clientHeight);
  return height > 0 ? { ...layout, height } : layout;
}

// Watch `div` (a Plotly chart, drawn or not yet): `height()` is the height it is meant to
// have when its box does not set it.
export function followBox(div, height) {
  if (watched.has(div)) return;
  watched.add(div);
  let frame = 0;
  const fit = () => {
    const full = div._fullLayout;
    // Not drawn yet, hidden, or gone: the next draw measures the box itself.
    if (!full || !div.isConnected || div.clientWidth === 0) return;
    const width = Math.round(div.clientWidth);
    const wanted = boxSetsHeight() ? Math.round(div.clientHeight) : height();
    if (!(wanted > 0) || (Math.abs(full.width - width) < 1 && Math.abs(full.height - wanted) < 1)) return;
    Promise.resolve(window.Plotly.relayout(div, { width, height: wanted })).catch(() => {});
  };
  new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(fit);
  }).observe(div);
}
