// The contract between the router and each page.

export interface Page {
  /** The route: #/<id>. */
  id: string;
  title: string;
  /** Builds the page inside `root`; returns what stops its timers, workers and listeners. */
  mount(root: HTMLElement): (() => void) | void;
}
