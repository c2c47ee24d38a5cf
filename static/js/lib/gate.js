// A request gate for views that fetch from the server as things change: at most one
// request in flight, at most one every `interval` ms, and always the latest wish last.
// Used by the formula panel (explain routes on every new snapshot) and the time slider
// (a past step per scrub). Pure apart from the timer it is given (tests/js/lib/gate.test.mjs).

export class Gate {
  // fetcher(request) -> Promise; deliver(request, {ok, result, error}, {superseded}).
  constructor(fetcher, deliver, { interval = 250, now = () => Date.now(),
    schedule = (fn, ms) => setTimeout(fn, ms), cancel = (timer) => clearTimeout(timer) } = {}) {
    Object.assign(this, { fetcher, deliver, interval, now, schedule, cancel });
    this.wanted = null;
    this.dirty = false;
    this.busy = false;
    this.timer = null;
    this.last = -Infinity;
  }

  want(request) {
    this.wanted = request;
    this.dirty = true;
    this.pump();
  }

  // Forget what was wanted (a request in flight is still delivered, as superseded).
  drop() {
    this.wanted = null;
    this.dirty = false;
    if (this.timer !== null) this.cancel(this.timer);
    this.timer = null;
  }

  pump() {
    if (this.busy || !this.dirty || this.timer !== null) return;
    const wait = this.last + this.interval - this.now();
    if (wait > 0) {
      this.timer = this.schedule(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    const request = this.wanted;
    this.dirty = false;
    this.busy = true;
    this.last = this.now();
    let promise;
    try {
      promise = Promise.resolve(this.fetcher(request));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then((result) => ({ ok: true, result }), (error) => ({ ok: false, error })).then((outcome) => {
      this.busy = false;
      try {
        this.deliver(request, outcome, { superseded: this.dirty });
      } finally {
        this.pump();
      }
    });
  }
}
