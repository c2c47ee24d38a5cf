// A teaching panel's computation that a button asks for (the gradient check, the loss
// landscape): training pauses first, the answer is shown for the step it was made at,
// and a note says when the weights have moved on since. Both panels' forms go through
// here, so they pause, wait, fail and go stale alike.
import { el } from "../lib/dom.js";

// Resolves once the session has stopped playing (or after two seconds).
export function pauseFirst(app) {
  if (!app.snapshot?.playing) return Promise.resolve();
  app.send({ type: "pause" });
  return new Promise((resolve) => {
    let off = null;
    const timer = setTimeout(() => { off(); resolve(); }, 2000);
    off = app.bus.on("snapshot", (snap) => {
      if (snap.playing) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

// `form` submits; `button` and `section` show that it works; `status` is the panel's
// status line and `setStatus(text, kind)` writes it. `prepare()` -> {error} or
// {fetch: (sessionId) => Promise<answer>}; `working` is said while it computes; `show`
// draws the answer and `clear` takes it away; `again` ends the stale note ("check again").
export function onDemand(app, { form, button, section, status, setStatus, prepare, working, show, clear, again }) {
  let shown = null;  // {session, step} of the answer shown
  let busy = false;
  const forget = () => {
    shown = null;
    clear();
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy || !app.sessionId) return;
    const { error, fetch } = prepare();
    if (error) {
      setStatus(error, "bad");
      return;
    }
    busy = true;
    button.disabled = true;
    section.setAttribute("aria-busy", "true");
    setStatus("Pausing training\u2026");
    const session = app.sessionId;
    try {
      await pauseFirst(app);
      setStatus(working);
      const answer = await fetch(session);
      if (session !== app.sessionId) return;  // another network meanwhile
      shown = { session, step: app.snapshot?.step ?? 0 };
      show(answer);
    } catch (failure) {
      if (session !== app.sessionId) return;
      forget();
      setStatus(failure.message, "bad");
    } finally {
      busy = false;
      button.disabled = false;
      section.removeAttribute("aria-busy");
    }
  });

  app.bus.on("topology", (topology) => {
    if (shown && topology.session !== shown.session) forget();
  });
  app.bus.on("snapshot", (snap) => {
    if (!shown || snap.session !== shown.session || snap.step === shown.step) return;
    if (!status.querySelector(".teach-stale")) {
      status.append(el("span", { className: "teach-stale", textContent: ` The weights have changed since: ${again}.` }));
    }
  });
}
