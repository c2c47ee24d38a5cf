// Placeholder: this view is being written.
export function mount(app) {}
