// What the "Code" menu offers: the session as a script of each framework
// (GET /api/sessions/{id}/code), and the file name to save it under.

export const FRAMEWORKS = [
  { id: "numpy", label: "NumPy script" },
  { id: "pytorch", label: "PyTorch script" },
  { id: "keras", label: "Keras script" },
];
export const STEPS = { min: 1, max: 1000, initial: 100 };  // the route's limits

// A whole number of steps within the route's limits; the initial one for what is not a number.
export function clampSteps(value) {
  const n = Math.round(Number(value));
  if (!Number.isFinite(n) || String(value).trim() === "") return STEPS.initial;
  return Math.min(STEPS.max, Math.max(STEPS.min, n));
}

export function codePath(sessionId, framework, steps) {
  const query = new URLSearchParams({ framework, steps: String(clampSteps(steps)) });
  return `/api/sessions/${encodeURIComponent(sessionId)}/code?${query}`;
}

// The server's name for the file (Content-Disposition), else one made from the framework.
export function fileName(disposition, framework) {
  const match = /filename="([^"]+)"/.exec(disposition ?? "");
  return match ? match[1] : `nnplay-${framework}.py`;
}
