// The sub-containers of the output panel, always in the same order whichever view mounts
// first: the 2-D output heatmap, the loss chart, the accuracy chart, the gradient-norm
// chart, the digits panel.

export const SLOTS = ["heatmap", "loss", "accuracy", "gradnorm", "digits"];

// The <div id="out-NAME"> for `name`, creating all of them on the first call.
export function outputSlot(name, root = document.getElementById("output-panel")) {
  if (!SLOTS.includes(name)) throw new Error(`unknown output slot ${name}`);
  for (const slot of SLOTS) {
    if (!root.querySelector(`:scope > #out-${slot}`)) {
      const div = document.createElement("div");
      div.id = `out-${slot}`;
      div.className = `out-slot out-${slot}`;
      div.hidden = true; // each view shows its slot when it has something to show
      root.append(div);
    }
  }
  // Re-append in order: a foreign element added in between never reorders ours.
  for (const slot of SLOTS) root.append(root.querySelector(`:scope > #out-${slot}`));
  return root.querySelector(`:scope > #out-${name}`);
}
