// Counters, current numbers, and what went wrong in plain words.
import { showAlert } from "../../lib/dom.js";
import { formatCount, formatLoss, formatPercent } from "../../lib/format.js";
import { untilWords } from "../controls/playback-model.js";

export function mount(app) {
  const stepCount = document.getElementById("step-count");
  const epochCount = document.getElementById("epoch-count");
  const status = document.getElementById("status");
  const metrics = document.getElementById("metrics");
  const alert = document.getElementById("alert");

  const show = (text, actions = []) => showAlert(alert, text, actions.map(([label, run, testid]) => ({ label, run, testid })));

  // Why play paused by itself ({step, message}), said while the run stays at that step.
  let reached = null;
  app.bus.on("reached", (message) => { reached = message; });

  app.bus.on("snapshot", (snap) => {
    stepCount.textContent = formatCount(snap.step);
    epochCount.textContent = formatCount(snap.epoch);
    if (reached && (snap.playing || snap.step !== reached.step)) reached = null;
    // While it plays towards a target, which one (set here or on another page).
    const heading = snap.status === "running" && snap.until ? ` until ${untilWords(snap.until)}` : "";
    status.textContent = reached ? reached.message : `${snap.status}${heading}`;
    status.dataset.reached = reached ? "true" : "false";
    status.classList.toggle("diverged", snap.status === "diverged");
    const rows = [
      ["train loss", formatLoss(snap.loss.train), "train-loss"],
      ["test loss", formatLoss(snap.loss.test), "test-loss"],
    ];
    if (snap.accuracy.train !== null) {
      rows.push(["train accuracy", formatPercent(snap.accuracy.train), "train-accuracy"]);
      rows.push(["test accuracy", formatPercent(snap.accuracy.test), "test-accuracy"]);
    }
    metrics.replaceChildren(...rows.map(([label, value, testid]) => {
      const span = document.createElement("span");
      span.append(`${label} `);
      const strong = document.createElement("strong");
      strong.dataset.testid = testid;
      strong.textContent = value;
      span.append(strong);
      return span;
    }));
    if (snap.status !== "diverged" && alert.dataset.kind === "diverged") alert.hidden = true;
  });

  app.bus.on("diverged", (info) => {
    alert.dataset.kind = "diverged";
    const lr = app.config?.optimizer?.lr;
    // info.step is the step whose update failed; the counter shows the last good one.
    show(`Training stopped at step ${info.step - 1}: the update of step ${info.step} failed ` +
         `(${info.reason}). Learning rate too high?` +
         (lr ? ` (it is ${lr}; try ${lr / 10})` : ""), [
      ["Reset", () => app.send({ type: "reset" }), "divergence-reset"],
      ["Restore last good weights", () => restore(app), "divergence-restore"],
    ]);
  });

  app.bus.on("error", (error) => {
    alert.dataset.kind = "error";
    const fields = (error.fields ?? []).map((f) => `${f.field}: ${f.reason}`).join("; ");
    show(fields || error.message);
  });

  // What the address asked for and did not get: it stays while the state it led to is
  // shown, and goes once the student moves on to another network or setting.
  let noticeSession = null;
  app.bus.on("notice", (notice) => {
    alert.dataset.kind = "notice";
    noticeSession = null;
    show(notice.message);
  });

  // An error's cause is gone once a change goes through: a new network (topology) or a
  // live setting the server took (config).
  app.bus.on("topology", (topology) => {
    if (alert.dataset.kind === "error") alert.hidden = true;
    if (alert.dataset.kind !== "notice") return;
    if (noticeSession === null) noticeSession = topology.session;
    else if (topology.session !== noticeSession) alert.hidden = true;
  });
  app.bus.on("config", () => {
    if (alert.dataset.kind === "error" || alert.dataset.kind === "notice") alert.hidden = true;
  });

  app.bus.on("connection", (state) => {
    if (state !== "open") status.textContent = state === "gone" ? "session expired: starting again" : state;
  });
}

// The server keeps the run's last good state and goes back to it, paused; its broadcast
// snapshot (status no longer "diverged") clears the alert. A failure says why.
async function restore(app) {
  try {
    await app.api.restore(app.sessionId);
  } catch (error) {
    app.bus.emit("error", { message: `could not restore: ${error.message}`, fields: [] });
  }
}
