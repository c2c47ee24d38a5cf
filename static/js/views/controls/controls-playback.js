// The playback bar at the top: the preset, Play (with its speed and its target), Step,
// Epoch, Reset and New weights. The speed and the target follow what the server says the
// session does (playback-model.js), so every page on a session shows the same.
import { randomSeed, reseed, unavailableReason } from "./controls-model.js";
import { SPEEDS, UNTIL_CHOICES, speedUpdate, untilFor, untilUpdate } from "./playback-model.js";
import { el } from "../../lib/dom.js";
import { tip } from "../../lib/tip.js";
import { field, markUnavailable, rebuilder } from "./controls-fields.js";

// --- playback (top bar) ----------------------------------------------------------------

export function mountPlayback(app, ui) {
  const root = document.getElementById("playback");
  const rebuild = ui.rebuild ??= rebuilder(app, ui);

  const preset = el("select", { testid: "preset", class: "ctl-preset" });
  for (const p of app.presets) {
    const option = new Option(p.title, p.id);
    markUnavailable(option, unavailableReason(app.datasets, p.config?.data?.name));
    preset.add(option);
  }
  // Shown while the network, its weights or its data are no longer a preset's (the server
  // then sends `preset: null`); short, so the box keeps its width.
  const custom = new Option("custom", "");
  custom.disabled = true;
  preset.addEventListener("change", () => {
    const id = preset.value;
    if (id) rebuild(() => ({ preset: id }), { fromPreset: true });
  });

  const play = el("button", { testid: "play", class: "primary ctl-play", type: "button" });
  const setPlay = (playing) => {
    play.textContent = playing ? "\u275a\u275a Pause" : "\u25b6 Play";
    play.setAttribute("aria-label", playing ? "pause" : "play");
    play.setAttribute("aria-pressed", playing ? "true" : "false");
  };
  setPlay(false);
  play.addEventListener("click", () => {
    if (app.snapshot?.playing) app.send({ type: "pause" });
    else app.play();
  });

  // Where play pauses by itself: a choice and its number, sent with the next play (the
  // server counts steps and epochs from then). The number is hidden while the choice is none.
  const untilKind = el("select", { testid: "until-kind" });
  for (const c of UNTIL_CHOICES) untilKind.add(new Option(c.label, c.kind));
  const untilValue = el("input", { testid: "until-value", type: "text", inputMode: "decimal", class: "ctl-until-value", hidden: true });
  const showUntilKind = () => {
    const choice = UNTIL_CHOICES.find((c) => c.kind === untilKind.value);
    untilValue.hidden = !choice.kind;
    if (choice.kind && untilFor(choice.kind, untilValue.value).error) untilValue.value = String(choice.start);
    untilValue.setAttribute("aria-label", `play until: ${choice.label}`);
  };
  untilKind.addEventListener("change", showUntilKind);
  // The session's target as the server last said it (playback-model.js, untilUpdate): each
  // change of it, from this page or another, shows in the control.
  let heldUntil;
  const followUntil = (until) => {
    const update = untilUpdate(until, heldUntil);
    if (!update) return;
    heldUntil = update.key;
    untilKind.value = update.kind;
    if (update.text !== null) untilValue.value = update.text;
    showUntilKind();
  };
  untilValue.addEventListener("keydown", (event) => { if (event.key === "Enter") play.click(); });
  const untilField = field("until", untilKind, { className: "ctl-field ctl-inline", title: "pause by itself after this many more steps or epochs, or once the loss is at or below this" });
  // Play (the button, or Space) with the target, or the reason it cannot be sent.
  app.play = () => {
    const { until, error } = untilFor(untilKind.value, untilValue.value);
    if (error) {
      app.bus.emit("error", { message: `until: ${error}`, fields: [{ field: "until", reason: error }] });
      untilValue.focus();
      return;
    }
    app.send({ type: "play", steps_per_second: app.speed, ...(until ? { until } : {}) });
  };

  const step = el("button", { testid: "step", type: "button", title: "one training step (right arrow)" }, "Step");
  step.addEventListener("click", () => app.send({ type: "step", steps: 1 }));
  const epoch = el("button", { testid: "step-epoch", type: "button", title: "one pass over the training data" }, "Epoch");
  epoch.addEventListener("click", () => app.send({ type: "step", epochs: 1 }));
  const reset = el("button", { testid: "reset", type: "button", title: "back to step 0 with the same initial weights (r)" }, "Reset");
  reset.addEventListener("click", () => app.send({ type: "reset" }));

  const speed = el("select", { testid: "speed" });
  for (const s of SPEEDS) speed.add(new Option(`${s}/s`, String(s)));
  speed.value = String(app.speed);
  speed.addEventListener("change", () => {
    app.speed = Number(speed.value); // SPEEDS, or a speed the session played at (followSpeed)
    if (app.snapshot?.playing) app.send({ type: "play", steps_per_second: app.speed });
  });
  // The session's speed while it plays, set here or on another page (speedUpdate).
  let heldSpeed = null;
  const followSpeed = (snapshot) => {
    const update = speedUpdate(snapshot, heldSpeed);
    if (!update) return;
    heldSpeed = app.speed = update.speed;
    const value = String(update.speed);
    if (!update.listed && ![...speed.options].some((o) => o.value === value)) speed.add(new Option(`${value}/s`, value));
    speed.value = value;
  };

  const reseedButton = el("button", { testid: "reseed", type: "button", title: "a new random seed: new initial weights, the same data" }, "New weights");
  reseedButton.addEventListener("click", () => rebuild((config) => reseed(config, randomSeed())));

  // The buttons' titles, readable by touch and keyboard too, with the lesson's description.
  const help = tip("the lesson and these buttons", "", { testid: "playback-tip" });
  const describe = () => {
    const about = app.presets.find((p) => p.id === (app.config?.preset ?? ""))?.description;
    const missing = [...preset.options].filter((o) => o.disabled).map((o) => `${o.textContent.replace(/ \(unavailable\)$/, "")} (${o.title})`);
    help.set([about ? `This lesson: ${about.replace(/\.$/, "")}` : null, "Play (Space) trains until paused",
      ...[step, epoch, reset, reseedButton].map((b) => `${b.textContent}: ${b.title}`),
      `speed: ${speedField.title}`, `until: ${untilField.title}`,
      missing.length ? `Unavailable presets: ${missing.join("; ")}` : null].filter(Boolean).join(". ") + ".");
  };
  const speedField = field("speed", speed, { className: "ctl-field ctl-inline", title: "training steps per second while playing" });
  root.append(
    field("preset", preset, { className: "ctl-field ctl-inline" }),
    play, step, epoch, reset,
    speedField,
    el("span", { class: "ctl-until", testid: "until" }, untilField, untilValue),
    reseedButton,
    help.element,
  );
  describe();

  return {
    sync() {
      const id = app.config.preset ?? "";
      if (!id && !custom.parentNode) preset.add(custom, 0);
      if (id && custom.parentNode) custom.remove();
      preset.value = id;
      preset.title = app.presets.find((p) => p.id === id)?.description ?? "";
      describe();
      if (speed.value !== String(app.speed)) speed.value = String(app.speed);
    },
    snapshot() {
      setPlay(Boolean(app.snapshot?.playing));
      followUntil(app.snapshot?.until ?? null);
      followSpeed(app.snapshot);
    },
  };
}
