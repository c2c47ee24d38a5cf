// Tap-to-show tips: a small "?" button that opens a short text under it, for the hints
// that were only a `title` (which touch screens and keyboards never show). A second tap,
// Escape, or a tap anywhere else closes it; one tip is open at a time.
//   const help = tip("what the buttons do", "Step: one training step ...", {testid: "playback-tip"});
//   row.append(help.element); help.set("new words");   // the text may change later
import { el } from "./dom.js";

let openTip = null;
let count = 0;

function closeOpen() {
  openTip?.close();
}

// Once, with the first tip (this module is imported where there is no document, too).
let listening = false;
function listen() {
  if (listening) return;
  listening = true;
  document.addEventListener("pointerdown", (event) => {
    if (openTip && !openTip.element.contains(event.target)) closeOpen();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && openTip) {
      const { button } = openTip;
      closeOpen();
      button.focus();
    }
  });
}

// `label`: what the "?" button is about (its accessible name); `text`: the tip.
export function tip(label, text, { testid } = {}) {
  listen();
  count += 1;
  const pop = el("span", { class: "tip-pop", role: "note", id: `tip-${count}`, hidden: true });
  const button = el("button", { type: "button", class: "tip-button", "aria-expanded": "false",
    "aria-controls": pop.id, "aria-label": `about ${label}`, testid }, "?");
  const element = el("span", { class: "tip" }, button, pop);
  if (testid) pop.dataset.testid = `${testid}-text`;
  pop.addEventListener("click", () => self.close());  // a tap on the text closes it too
  const self = {
    element,
    button,
    set(words) {
      if (pop.textContent !== words) pop.textContent = words;
      button.title = words;  // mouse users may still hover
    },
    open() {
      if (openTip && openTip !== self) closeOpen();
      openTip = self;
      pop.hidden = false;
      button.setAttribute("aria-expanded", "true");
      // Kept inside the window: a tip at the right edge opens leftwards.
      pop.style.left = "";
      pop.style.right = "";
      const box = pop.getBoundingClientRect();
      if (box.right > document.documentElement.clientWidth - 4) {
        pop.style.left = "auto";
        pop.style.right = "0";
      }
    },
    close() {
      if (openTip === self) openTip = null;
      pop.hidden = true;
      button.setAttribute("aria-expanded", "false");
    },
  };
  button.addEventListener("click", (event) => {
    event.preventDefault();  // inside a <label>: not its control's click too
    if (pop.hidden) self.open();
    else self.close();
  });
  // Space presses this button; it must not also play or pause.
  button.addEventListener("keydown", (event) => { if (event.key === " ") event.stopPropagation(); });
  self.set(text);
  return self;
}
