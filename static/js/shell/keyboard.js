// Space plays or pauses, the right arrow takes one step, r resets: not while typing.
import { isTyping } from "../lib/dom.js";

export function mount(app) {
  document.addEventListener("keydown", (event) => {
    if (isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === " ") {
      event.preventDefault();
      // Play as the Play button does: with the "until" control's target (controls.js).
      if (app.snapshot?.playing) app.send({ type: "pause" });
      else if (app.play) app.play();
      else app.send({ type: "play", steps_per_second: app.speed ?? 30 });
    } else if (event.key === "ArrowRight") {
      event.preventDefault();
      app.send({ type: "step", steps: 1 });
    } else if (event.key === "r" || event.key === "R") {
      app.send({ type: "reset" });
    }
  });
}
