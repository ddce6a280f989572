// Stands in for node:* modules in the page's bundle: the library imports them only in branches that
// run under Node (behind isNode()), so the page never reads from this module.
export {};
