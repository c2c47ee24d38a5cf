// The per-step metrics of the watched session, built from the history tails that come
// with every snapshot frame (each frame carries the rows this socket has not seen).

export const COLUMNS = ["step", "epoch", "train_loss", "test_loss", "train_accuracy",
  "test_accuracy", "batch_loss", "grad_norm", "evaluated"];

export class HistoryStore {
  constructor() {
    this.clear();
  }

  clear() {
    this.columns = Object.fromEntries(COLUMNS.map((name) => [name, []]));
  }

  get length() {
    return this.columns.step.length;
  }

  lastStep() {
    const steps = this.columns.step;
    return steps.length ? steps[steps.length - 1] : -1;
  }

  // Apply a tail {reset, step: [...], ...}; returns the rows that are new, column-wise,
  // and whether everything before was dropped (a reset, or another session).
  apply(tail) {
    const reset = Boolean(tail?.reset);
    if (reset) this.clear();
    const steps = tail?.step ?? [];
    const last = this.lastStep();
    let start = 0;
    while (start < steps.length && steps[start] <= last) start += 1; // already have these
    const added = Object.fromEntries(COLUMNS.map((name) => [name, (tail[name] ?? []).slice(start)]));
    for (const name of COLUMNS) this.columns[name].push(...added[name]);
    return { reset, added, count: added.step.length };
  }
}
