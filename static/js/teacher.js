// The teacher board: the room at a glance, a broadcast, and challenges with leaderboards.
// Every request carries the teacher token; students never see this page's data.
import { request } from "./shell/api.js";
import { formatLoss, formatPercent } from "./lib/format.js";
import { svgEl } from "./lib/svg.js";

const KEY = "nnplay:teacher-token";
const REFRESH_MS = 2000;
let timer = null;  // the board's refresh, while the token opens it

function token() {
  return sessionStorage.getItem(KEY);
}

// Every teacher call carries the token.
const call = (method, path, body) => request(method, path, body, { authorization: `Bearer ${token()}` });

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

// A loss curve as a tiny SVG polyline (log scale: losses span orders of magnitude).
export function sparkline(values, width = 120, height = 28) {
  const svg = svgEl("svg", { class: "spark", width, height });
  const logs = values.filter((v) => v > 0).map(Math.log10);
  if (logs.length > 1) {
    const low = Math.min(...logs);
    const high = Math.max(...logs);
    const span = high - low || 1;
    const points = logs.map((v, i) => `${(i / (logs.length - 1)) * width},${height - 2 - ((v - low) / span) * (height - 4)}`);
    svgEl("polyline", { points: points.join(" ") }, svg);
  }
  return svg;
}

function renderRoom(rows) {
  const body = document.getElementById("room-rows");
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    tr.dataset.testid = "student-row";
    const curve = document.createElement("td");
    curve.append(sparkline(row.curve));
    const accuracy = row.accuracy.test ?? row.accuracy.train;
    const reset = document.createElement("button");
    reset.type = "button";
    reset.textContent = "reset";
    reset.title = `back to step 0 for ${row.student}`;
    reset.dataset.testid = "student-reset";
    reset.addEventListener("click", () => call("POST", `/api/teacher/students/${row.handle}/reset`)
      .then(refresh, (error) => { document.getElementById("board-status").textContent = error.message; }));
    const actions = document.createElement("td");
    actions.append(reset);
    // A preset's name only while the run is that preset (the server clears it otherwise);
    // a custom network says its shape and its data.
    const layers = row.layers.join("-");
    const network = row.preset ? `${row.preset} (${layers})` : `${layers} on ${row.data}`;
    tr.append(cell(row.student), cell(network), cell(row.step),
      cell(formatLoss(row.loss.train)), cell(formatLoss(row.loss.test)), cell(formatPercent(accuracy)),
      cell(row.status, row.status === "diverged" ? "diverged" : ""), curve, actions);
    return tr;
  }));
  document.getElementById("room-empty").hidden = rows.length > 0;
}

function renderChallenges(challenges) {
  const box = document.getElementById("challenges");
  box.replaceChildren(...challenges.map((challenge) => {
    const div = document.createElement("div");
    div.className = "leaderboard";
    const title = document.createElement("strong");
    title.textContent = `${challenge.title} (${challenge.metric.replace("_", " ")} target ${challenge.target})`;
    const remove = document.createElement("button");
    remove.textContent = "end";
    remove.addEventListener("click", () => call("DELETE", `/api/teacher/challenges/${challenge.id}`).then(refresh));
    const list = document.createElement("ol");
    for (const entry of challenge.leaderboard) {
      const li = document.createElement("li");
      const score = challenge.metric.endsWith("accuracy") ? formatPercent(entry.score) : formatLoss(entry.score);
      li.textContent = `${entry.student}: ${score} (${entry.hidden_units} hidden units, step ${entry.step})`;
      if (entry.met) li.className = "met";
      list.append(li);
    }
    if (!challenge.leaderboard.length) list.append(Object.assign(document.createElement("li"), { textContent: "no entry yet" }));
    div.append(title, " ", remove, list);
    return div;
  }));
}

async function refresh() {
  const status = document.getElementById("board-status");
  try {
    const [info, rows, challenges] = await Promise.all([
      call("GET", "/api/teacher/class"), call("GET", "/api/teacher/board"), call("GET", "/api/teacher/challenges")]);
    document.getElementById("class-code").textContent = info.code;
    showJoin(info);
    renderRoom(rows);
    renderChallenges(challenges);
    status.textContent = `${rows.length} students · updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      sessionStorage.removeItem(KEY);
      showLogin(error.message);
    } else {
      status.textContent = `cannot reach the server: ${error.message}`;
    }
  }
}

// The link and its QR code change only when the address does: not redrawn every refresh.
let shownLink = null;

function showJoin(info) {
  if (info.join_url === shownLink) return;
  shownLink = info.join_url;
  document.getElementById("join-url").textContent = info.join_url;
  const others = info.join_urls.slice(1);
  document.getElementById("join-other").textContent = others.length ? `or: ${others.join(", ")}` : "";
  // The server's SVG (a QR library's output, no script), parsed as SVG, not as HTML.
  const svg = new DOMParser().parseFromString(info.join_qr, "image/svg+xml").documentElement;
  document.getElementById("join-qr").replaceChildren(document.importNode(svg, true));
}

function showLogin(message = "") {
  clearInterval(timer);  // a wrong token is not asked about every two seconds
  timer = null;
  document.getElementById("board").hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("login-error").textContent = message;
}

async function fillForms() {
  const presets = await fetch("/api/presets").then((r) => r.json());
  const select = document.getElementById("broadcast-preset");
  for (const preset of presets) select.add(new Option(preset.title, preset.id));
  const lessons = await fetch("/api/lessons").then((r) => r.json());
  const lessonSelect = document.getElementById("lesson-push-lesson");
  for (const lesson of lessons) {
    const option = new Option(`${lesson.number}. ${lesson.title}`, lesson.id);
    option.dataset.steps = lesson.steps;
    lessonSelect.add(option);
  }
  const stepInput = document.getElementById("lesson-push-step");
  const limitSteps = () => { stepInput.max = lessonSelect.selectedOptions[0]?.dataset.steps ?? 1; };
  lessonSelect.addEventListener("change", limitSteps);
  limitSteps();
  const datasets = await fetch("/api/datasets").then((r) => r.json());
  const data = document.getElementById("challenge-data");
  for (const d of datasets) data.add(new Option(d.name, d.name));
  data.value = "spiral";
}

function wireForms() {
  document.getElementById("broadcast").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = document.getElementById("broadcast-result");
    try {
      const extra = document.getElementById("broadcast-config").value.trim();
      const config = { preset: document.getElementById("broadcast-preset").value, ...(extra ? JSON.parse(extra) : {}) };
      const sent = await call("POST", "/api/teacher/broadcast", { config, message: document.getElementById("broadcast-message").value });
      result.textContent = `sent to ${sent.students} students (${sent.sockets} open pages)`;
    } catch (error) {
      result.textContent = error.message;
    }
  });
  document.getElementById("lesson-push").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = document.getElementById("lesson-push-result");
    try {
      const sent = await call("POST", "/api/teacher/lesson", {
        lesson: document.getElementById("lesson-push-lesson").value,
        step: Number(document.getElementById("lesson-push-step").value),
        message: document.getElementById("lesson-push-message").value,
      });
      result.textContent = `sent to ${sent.students} students (${sent.sockets} open pages)`;
    } catch (error) {
      result.textContent = error.message;
    }
  });
  document.getElementById("challenge").addEventListener("submit", async (event) => {
    event.preventDefault();
    const units = document.getElementById("challenge-units").value;
    try {
      await call("POST", "/api/teacher/challenges", {
        title: document.getElementById("challenge-title").value,
        data: document.getElementById("challenge-data").value,
        metric: document.getElementById("challenge-metric").value,
        target: Number(document.getElementById("challenge-target").value),
        max_hidden_units: units ? Number(units) : null,
      });
      refresh();
    } catch (error) {
      document.getElementById("board-status").textContent = error.message;
    }
  });
  document.getElementById("login").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, document.getElementById("token").value);
    start();
  });
}

function start() {
  document.getElementById("login").hidden = true;
  document.getElementById("board").hidden = false;
  clearInterval(timer);
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

// /teacher#token=...: the fragment never reaches the server, so no log records the token.
const fromUrl = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromUrl) {
  sessionStorage.setItem(KEY, fromUrl);
  history.replaceState(null, "", location.pathname);
}
wireForms();
fillForms();
if (token()) start();
else showLogin();
