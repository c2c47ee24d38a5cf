// The four phases of one training step, in order, and what each one computes, in words.
// Pure (tests/js/views/chain/phases-order.test.mjs); the controls are in phases.js.

export const PHASES = ["forward", "loss", "backward", "update"];

// The phase a "next phase" click runs after `phase` (the snapshot's): a finished step
// (null, or "update") starts the next one with its forward pass.
export function nextPhase(phase) {
  const k = PHASES.indexOf(phase);
  return k < 0 || k === PHASES.length - 1 ? PHASES[0] : PHASES[k + 1];
}

// The phase to ask for next, given what the server last said (`shown`) and what this page
// asked for and has not yet seen confirmed (`sent`, or null): two quick clicks must ask
// for two different phases, or the server would run a whole step to reach the same one.
export function phaseToRequest(shown, sent) {
  return nextPhase(sent ?? shown);
}

// Mid-step: a phase that has run while the step's update (the last phase) has not.
export function midStep(phase) {
  return PHASES.slice(0, -1).includes(phase);
}

// The phase name as the page shows it: "—" between steps.
export function phaseLabel(phase) {
  return PHASES.includes(phase) ? phase : "\u2014";
}

// One sentence on what the phase just computed (`phase`), for the note beside the buttons.
export function phaseNote(phase) {
  switch (phase) {
    case "forward":
      return "forward: z = inputs \u00b7 weights (+ bias) and a = activation(z), layer by layer, left to right";
    case "loss":
      return "loss: the output compared with the target";
    case "backward":
      return "backward: \u2202L/\u2202z from the output back to the first layer, then every \u2202L/\u2202w";
    case "update":
      return "update: every weight moved against its gradient (old \u2192 new)";
    default:
      return "between steps: the next click runs the forward pass";
  }
}

// "one mini-batch (4 samples)" / "the full batch (all 200 samples)": what one step uses.
export function batchWords(batchSize, nTrain) {
  if (batchSize === null || batchSize === undefined || (nTrain && batchSize >= nTrain)) {
    return nTrain ? `the full batch (all ${nTrain} samples)` : "the full batch";
  }
  return `one mini-batch (${batchSize} sample${batchSize === 1 ? "" : "s"})`;
}
