// Time travel's small decisions (timeline.js does the DOM and the requests). Pure
// (tests/js/views/timeline/timeline-model.test.mjs).

// The slider's top: the latest step the history or the live snapshot knows.
export function latestStep(historySteps, liveStep) {
  const last = historySteps?.length ? historySteps[historySteps.length - 1] : 0;
  return Math.max(0, Number.isFinite(last) ? last : 0, Number.isFinite(liveStep) ? liveStep : 0);
}

// A slider value as a step within [min, max] (whole steps; min is the earliest step kept).
export function clampStep(value, max, min = 0) {
  const n = Math.round(Number(value));
  const low = Math.max(0, Math.min(min, max));
  if (!Number.isFinite(n)) return low;
  return Math.min(Math.max(low, n), Math.max(0, max));
}

// The words beside the slider.
export function timelineText(viewing, step, live) {
  if (viewing === null || viewing === undefined) return `step ${live} (now)`;
  return `viewing step ${step} (past) \u00b7 now: step ${live}`;
}

// Commands that change the live run: sent while viewing the past, they bring the page
// back to now first (pausing, or changing how frames look, does not).
export function movesLive(command) {
  return Boolean(command) && !["pause", "view"].includes(command.type);
}
