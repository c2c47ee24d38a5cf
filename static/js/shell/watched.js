// One session watched over its socket: its resolved config, topology, latest snapshot and
// history, and the bus the views mounted for it listen on. The page's app is one; the twin
// of a compare view is another, so both read the server's messages the same way.
import { api } from "./api.js";
import { Bus } from "./bus.js";
import { Connection } from "./connection.js";
import { HistoryStore } from "./history.js";

// How long a session let go of is kept: its socket's close reaches the server, and requests
// still in flight for it finish, first.
const RELEASE_GRACE_MS = 3000;

// A moment from now, let the server drop session `id` unless another tab (a duplicated
// one) still watches it.
export function releaseLater(id) {
  setTimeout(() => api.remove(id, { unwatchedOnly: true }).catch(() => {}), RELEASE_GRACE_MS);
}

// Messages passed to the views as they come, by their type.
const FORWARDED = new Set([
  "diverged",
  "reached",    // play paused by itself at its "until" target: the status line says why
  "error",
  "sweep",      // a sweep of this session got further (views/sweep)
  "broadcast",
  "challenge",
  "lesson",
]);

export class WatchedSession {
  constructor() {
    this.bus = new Bus();
    this.api = api;
    this.history = new HistoryStore();
    this.sessionId = null;
    this.config = null;      // the server's fully resolved config
    this.topology = null;
    this.snapshot = null;
    this.connection = null;
  }

  // Open the socket of `this.sessionId` (closing any other); `onGone` runs when the server
  // says the session no longer exists.
  watch(view, onGone) {
    this.connection?.close();
    this.history.clear();
    this.connection = new Connection({
      sessionId: this.sessionId,
      view,
      onMessage: (message) => this.receive(message),
      onState: (state) => {
        this.bus.emit("connection", state);
        if (state === "gone") onGone?.();
      },
    });
    this.connection.open();
  }

  // The config changed live (a `config` message): what else follows it (the address).
  configChanged() {}

  receive(message) {
    switch (message.type) {
      case "topology":
        this.topology = message;
        this.config = message.config;
        this.bus.emit("topology", message);
        break;
      case "snapshot":
        this.snapshot = message;
        if (message.history?.reset && message.history.step?.[0] > 0) {
          // A long run: the frame carried only its latest rows. Fetch the rest once.
          this.fillHistory(message.history);
        } else {
          this.bus.emit("history", this.history.apply(message.history));
        }
        this.bus.emit("snapshot", message);
        break;
      case "config":
        this.config = message.config;
        this.configChanged(message.config);
        this.bus.emit("config", message.config);
        break;
      case "stopped_early": // a long step used its time budget: say how far it got
        this.bus.emit("notice", { message: message.message });
        break;
      default:
        if (FORWARDED.has(message.type)) this.bus.emit(message.type, message);
        break;
    }
  }

  async fillHistory(tail) {
    const id = this.sessionId;
    const full = await api.history(id).catch(() => null);
    if (id !== this.sessionId) return; // another session meanwhile
    this.bus.emit("history", this.history.apply({ ...(full ?? tail), reset: true }));
  }

  send(command) {
    this.connection?.send(command);
  }
}
