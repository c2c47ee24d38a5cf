// Pure helpers for the playback controls beside Play: the speed and the target play
// pauses at by itself (the socket's `until`), each as the page sends it and as it follows
// what the server says the session does. No DOM here
// (tests/js/views/controls/playback-model.test.mjs).

import { parseInteger, parseNumber } from "./controls-model.js";

export const SPEEDS = [1, 3, 10, 30, 100, 300, 1000];
export const DEFAULT_SPEED = 30;

/** The speed to play at: `speed` if it is one of SPEEDS, else the default. */
export function pickSpeed(speed) {
  return SPEEDS.includes(Number(speed)) ? Number(speed) : DEFAULT_SPEED;
}

/** What the speed control shows after a snapshot: the speed the session plays at, when it
 *  plays and that differs from `held` (the last one followed), so every page watching it
 *  shows the same; null to keep the page's own choice (nothing plays, or nothing changed).
 *  `listed`: whether the speed is one of SPEEDS (an API client may play at any other). */
export function speedUpdate(snapshot, held) {
  const speed = snapshot?.playing ? snapshot.steps_per_second : null;
  if (typeof speed !== "number" || !(speed > 0) || speed === held) return null;
  return { speed, listed: SPEEDS.includes(speed) };
}

// Where play pauses by itself (the socket's `until`): the choices of the control next to
// Play, each with the value it starts with and what a valid value is.
export const UNTIL_CHOICES = [
  { kind: "", label: "none" },
  { kind: "steps", label: "steps", start: 100, whole: true },
  { kind: "epochs", label: "epochs", start: 10, whole: true },
  { kind: "train_loss", label: "train loss", start: 0.05, whole: false },
  { kind: "test_loss", label: "test loss", start: 0.05, whole: false },
];

/** The choice of a target kind ("epochs"); null for none and for a kind the control lacks. */
function choiceOf(kind) {
  return UNTIL_CHOICES.find((c) => c.kind && c.kind === kind) ?? null;
}

/** A target's one kind and its value: ["epochs", 100]; [] for none. */
function kindAndValue(until) {
  return Object.entries(until ?? {})[0] ?? [];
}

/**
 * The `until` a play command carries, from the control's choice and its typed value:
 * `{ until: null }` for none, `{ until: { epochs: 100 } }`, or `{ error }` saying what a
 * valid value is (a whole number of steps or epochs, a loss above 0).
 */
export function untilFor(kind, text) {
  const choice = choiceOf(kind);
  if (!choice) return { until: null };
  const value = choice.whole ? parseInteger(text) : parseNumber(text);
  if (value === null || value <= 0) {
    return { error: choice.whole ? `a whole number of ${choice.label}, at least 1` : `a ${choice.label} above 0` };
  }
  return { until: { [kind]: value } };
}

// The control is what the next Play sends, and it follows the server: the target a
// snapshot says the session holds (`until`, as it was asked, or null) is shown whenever it
// changes (another page's play set it; a pause, a step, an edit, new data, a reset or
// reaching it cleared it). Between changes the user's own choice stays, for their next Play.

/** A target as a string that is equal for the same target ("epochs=100"; "" for none). */
export function untilKey(until) {
  const [kind, value] = kindAndValue(until);
  return kind ? `${kind}=${value}` : "";
}

/**
 * What the control shows after a snapshot whose target is `until`, when the target seen
 * last had the key `held` (undefined before the first snapshot, so a page that connects
 * shows the session's target): null when it did not change (the control keeps what it
 * shows); else `{ key, kind, text }`, kind "" for none (and text null: the hidden number
 * keeps what was typed).
 */
export function untilUpdate(until, held) {
  const key = untilKey(until);
  if (key === held) return null;
  const [kind, value] = kindAndValue(until);
  return choiceOf(kind) ? { key, kind, text: String(value) } : { key, kind: "", text: null };
}

/** A target in a few words for the status line: "100 epochs", "test loss <= 0.05". */
export function untilWords(until) {
  const [kind, value] = kindAndValue(until);
  const choice = choiceOf(kind);
  if (!choice) return "";
  return choice.whole ? `${value.toLocaleString("en-US")} ${choice.label}` : `${choice.label} <= ${value}`;
}
