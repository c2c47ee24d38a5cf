// The compare view's rules, apart from the page: which commands drive both runs, when the
// run behind catches up, and how the curves are named and thinned.
//
// Lockstep is kept by the page, not by a server-side link: a pair is two ordinary
// sessions, each with its own socket and play clock, so every route, the store and the
// limits treat a twin as any session. Play, pause, step and reset go to both; the two
// clocks tick apart by a few milliseconds, so while playing the counters may differ by a
// tick, and once both stand still the run behind takes the missing steps (catchUp).

// The commands both runs take. Settings (`set`), data and weight edits stay with the run
// they are made on: the twin's differences are its own.
const MIRRORED = new Set(["play", "pause", "step", "reset"]);

/** Whether `command` (a socket command) goes to the twin too. */
export function mirrors(command) {
  return MIRRORED.has(command?.type);
}

/** The steps that bring the two runs level once both stand still: {run: "a" | "b",
 *  steps} for the one behind, or null (level, playing, a step half done, diverged, or
 *  not both known yet). Snapshots are the frames' {step, phase, playing, status}. */
export function catchUp(a, b) {
  if (!a || !b || a.playing || b.playing) return null;
  if (a.status === "diverged" || b.status === "diverged") return null;
  if (!whole(a) || !whole(b) || a.step === b.step) return null;
  return a.step < b.step ? { run: "a", steps: b.step - a.step } : { run: "b", steps: a.step - b.step };
}

// A run between two steps (a phase of the next one done) is left alone: it is being shown.
function whole(snap) {
  return snap.phase === null || snap.phase === undefined || snap.phase === "update";
}

/** Whether one run stopped by itself (a target reached, a divergence) while the other
 *  plays on, some time after the last play command (`sincePlay`, ms): the other pauses. */
export function strayed(a, b, sincePlay, settleMs = 1500) {
  return Boolean(a && b) && a.playing !== b.playing && sincePlay > settleMs;
}

/** A curve's name in the legend: the run's side of the difference and the metric. */
export function curveName(side, metric) {
  return `${metric} \u00b7 ${side}`;
}

/** At most `max` points of a curve (steps and values), evenly spaced, the last kept. */
export function thin(steps, values, max = 1500) {
  if (steps.length <= max) return { x: steps.slice(), y: values.slice() };
  const stride = Math.ceil(steps.length / max);
  const x = [];
  const y = [];
  for (let i = 0; i < steps.length; i += stride) {
    x.push(steps[i]);
    y.push(values[i]);
  }
  if (x[x.length - 1] !== steps[steps.length - 1]) {
    x.push(steps[steps.length - 1]);
    y.push(values[values.length - 1]);
  }
  return { x, y };
}
