// The twin of a compare view: a second session watched beside the page's own, with its
// own socket, history and bus, so that the views mounted for it (a diagram, an output
// plane) read it as they read the page's app.
import { WatchedSession, releaseLater } from "../../shell/watched.js";

export class Twin extends WatchedSession {
  constructor(body, view, { onGone } = {}) {
    super();
    this.sessionId = body.id;
    this.config = body.config;
    this.watch(view, onGone);
  }

  // Stop watching, and let the server drop the twin (as main.js does a session it rebuilt).
  close() {
    this.connection.close();
    releaseLater(this.sessionId);
  }
}
