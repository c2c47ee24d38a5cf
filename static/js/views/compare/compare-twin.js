// The twin of a compare view: a second session watched beside the page's own, with its
// own socket, history and bus, so that the views mounted for it (a diagram, an output
// plane) read it as they read the page's app.
import { api } from "../../shell/api.js";
import { Bus } from "../../shell/bus.js";
import { Connection } from "../../shell/connection.js";
import { HistoryStore } from "../../shell/history.js";

export class Twin {
  constructor(body, view, { onGone } = {}) {
    this.bus = new Bus();
    this.api = api;
    this.history = new HistoryStore();
    this.sessionId = body.id;
    this.config = body.config;
    this.topology = null;
    this.snapshot = null;
    this.connection = new Connection({
      sessionId: body.id,
      view,
      onMessage: (message) => this.receive(message),
      onState: (state) => {
        this.bus.emit("connection", state);
        if (state === "gone") onGone?.();
      },
    });
    this.connection.open();
  }

  receive(message) {
    switch (message.type) {
      case "topology":
        this.topology = message;
        this.config = message.config;
        this.bus.emit("topology", message);
        break;
      case "snapshot":
        this.snapshot = message;
        this.bus.emit("history", this.history.apply(message.history));
        this.bus.emit("snapshot", message);
        break;
      case "config":
        this.config = message.config;
        this.bus.emit("config", message.config);
        break;
      case "diverged":
      case "reached":
      case "error":
        this.bus.emit(message.type, message);
        break;
      default:
        break;
    }
  }

  send(command) {
    this.connection.send(command);
  }

  // Stop watching, and let the server drop the session unless another tab watches it.
  close() {
    this.connection.close();
    api.remove(this.sessionId, { unwatchedOnly: true }).catch(() => {});
  }
}
