// For a student who joined a class (?class=CODE): a name for the teacher's board, and
// what the teacher sends (a network to fork, a lesson step to open, a challenge) shown as
// a banner.
import { showAlert } from "../../lib/dom.js";

const NAME_KEY = "nnplay:nickname";

export function mount(app) {
  if (!app.classCode) return;
  let name = localStorage.getItem(NAME_KEY);
  if (!name) {
    name = (window.prompt("Your name for the class board", "") ?? "").trim().slice(0, 40) || "student";
    localStorage.setItem(NAME_KEY, name);
  }
  app.nickname = name;

  const banner = document.createElement("div");
  banner.className = "alert class-banner";
  banner.dataset.testid = "class-banner";
  banner.setAttribute("role", "status");
  banner.hidden = true;
  document.querySelector(".topbar").after(banner);

  const show = (text, action) => showAlert(banner, text, action ? [{
    ...action, run: () => { banner.hidden = true; action.run(); },
  }] : []);

  app.bus.on("broadcast", (message) => {
    const what = message.config.preset ?? message.config.layers.join("-");
    show(`Your teacher shared a network (${what})${message.message ? `: ${message.message}` : ""}.`,
      { label: "Open my own copy", testid: "fork", run: () => app.open(message.config) });
  });
  app.bus.on("lesson", (message) => {
    const address = `/lessons/${encodeURIComponent(message.lesson)}?step=${message.step}` +
      `&class=${encodeURIComponent(app.classCode)}`;
    show(`Your teacher asks you to open lesson "${message.title}", step ${message.step}: ` +
      `${message.step_title}${message.message ? ` (${message.message})` : ""}.`,
    { label: "Open it", testid: "open-lesson", run: () => { location.href = address; } });
  });
  app.bus.on("challenge", (message) => {
    show(`New challenge from your teacher: ${message.title} (data set: ${message.data}).`);
  });
}
