// Bounded curves for runs that never end.
//
// The choice: decimation, not a sliding window. A window (Plotly's `maxPoints`) would
// throw away the start of training, which is the part a learner most wants to see. So
// every curve keeps the whole run, thinned evenly: row k (counting rows since the reset)
// is kept when k is a multiple of `stride`, and the newest row is always kept so the
// curve's tip is never behind the engine. When more than `max` points are kept, the stride
// doubles and the kept points are filtered down to the multiples of the new stride (about
// max / 2 of them); the caller then redraws the chart once from `x` and `ys`. Between
// thinnings new points go to Plotly with `extendTraces`. Memory and per-frame cost stay
// flat however long the run: at most max + (rows of one batch) points per trace (twice
// that with marked rows, below), and a full redraw only each time the run doubles in length (or every ~max/2 frames of tips).
//
// Rows that carry the train/test evaluation (a schedule, and whatever was shown) may be
// few and far between: a stride of rows alone could pass over all of them. So rows that
// the caller marks are also kept when they are a multiple of the stride among the marked
// rows (a stride of their own, thinned as the other): the evaluated curves keep an even
// share of their own points too.
//
// 2,000 points per trace: a chart is about 400 px wide, so that is still five points a
// pixel, and extendTraces re-renders the path of each trace on every call.

export const MAX_POINTS = 2000;

export class Thinner {
  constructor(traces, max = MAX_POINTS) {
    this.traces = traces;
    this.max = Math.max(4, max);
    this.reset();
  }

  reset() {
    this.count = 0;      // rows seen since the reset
    this.stride = 1;
    this.rows = [];      // row number of each kept point
    this.marked = 0;     // marked rows seen since the reset
    this.markStride = 1; // the stride among them
    this.marks = [];     // of each kept point: its number among the marked rows, or -1
    this.x = [];
    this.ys = Array.from({ length: this.traces }, () => []);
  }

  get length() {
    return this.rows.length;
  }

  // New rows: `x` (n values) and `ys` (one array of n values per trace), and `marked`
  // (n booleans, optional: the rows that carry the sparse traces' values). Returns
  // {rebuild: true} when the kept points were thinned (redraw from this.x / this.ys), or
  // {rebuild: false, x, ys} with only the points to append (possibly none).
  add(x, ys, marked = null) {
    const n = x.length;
    if (n === 0) return { rebuild: false, x: [], ys: this.ys.map(() => []) };
    const total = this.count + n;
    const totalMarked = this.marked + (marked ? marked.filter(Boolean).length : 0);
    let rebuild = false;
    if (Math.ceil(total / this.stride) > this.max || Math.ceil(totalMarked / this.markStride) > this.max) {
      while (Math.ceil(total / this.stride) > this.max / 2) this.stride *= 2;
      while (Math.ceil(totalMarked / this.markStride) > this.max / 2) this.markStride *= 2;
      this.#thin();
      rebuild = true;
    }
    const picked = { x: [], ys: this.ys.map(() => []) };
    for (let k = 0; k < n; k += 1) {
      const row = this.count + k;
      const mark = marked?.[k] ? this.marked++ : -1;
      if (row % this.stride !== 0 && k !== n - 1 && !this.#keepsMark(mark)) continue;
      this.rows.push(row);
      this.marks.push(mark);
      this.x.push(x[k]);
      picked.x.push(x[k]);
      for (let t = 0; t < this.traces; t += 1) {
        const value = ys[t][k] ?? null;
        this.ys[t].push(value);
        picked.ys[t].push(value);
      }
    }
    this.count = total;
    // Marked rows may double what is kept between thinnings (their own stride's share).
    if (!rebuild && this.rows.length > (this.marked ? 2 : 1) * this.max) {
      // Only the tips (one a batch) can push us over: thin, and redraw once.
      while (Math.ceil(this.count / this.stride) > this.max / 2) this.stride *= 2;
      while (Math.ceil(this.marked / this.markStride) > this.max / 2) this.markStride *= 2;
      this.#thin();
      rebuild = true;
    }
    return rebuild ? { rebuild: true } : { rebuild: false, ...picked };
  }

  #keepsMark(mark) {
    return mark >= 0 && mark % this.markStride === 0;
  }

  // Keep the multiples of the current stride (among all rows, and among the marked ones)
  // and the newest point.
  #thin() {
    const last = this.rows.length - 1;
    const keep = [];
    for (let i = 0; i <= last; i += 1) {
      if (this.rows[i] % this.stride === 0 || i === last || this.#keepsMark(this.marks[i])) keep.push(i);
    }
    this.rows = keep.map((i) => this.rows[i]);
    this.marks = keep.map((i) => this.marks[i]);
    this.x = keep.map((i) => this.x[i]);
    this.ys = this.ys.map((values) => keep.map((i) => values[i]));
  }
}
