// Who is logged in and the case changes the live stream brings: shared by the shell
// (main.js, which sets them) and the pages (which read and listen), so pages need not
// import the shell that imports them.
let user = null;
const listeners = new Set();  // pages listening to case changes

export function currentUser() { return user; }
export function setCurrentUser(u) { user = u; }

// A page subscribes to case changes; returns the unsubscribe function.
export function onCaseChange(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

// The shell passes each change (or null after a stream reset) to every listener.
export function publishCaseChange(change) {
  for (const f of listeners) f(change);
}
