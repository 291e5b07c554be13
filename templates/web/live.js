// The standalone preview (/u/<token>/digest?live=1): reload when the profile, templates or papers change.
(() => {
  "use strict";
  const m = location.pathname.match(/^(.*\/u\/[^/]+)\/digest$/);  // under base_url's path, if any
  if (!m) return;
  // the versions the page was made at: a change between its making and the first poll reloads it
  let last = null;
  try {
    const v = JSON.parse(document.currentScript.dataset.versions || "null");
    if (v) last = `${v.profile}|${v.content}`;
  } catch (e) { /* none: the first poll is the baseline */ }
  // The server no longer takes this page's link (web.secret_file rotated: the links signed before
  // answer 403), or its reader was removed (410): said once, at the top of the page. A 403 is for
  // good (no more polling); a 410 is asked again in a minute (a file put back before any pass found
  // it gone opens again: the page is made again).
  const EXPIRED = "This link is no longer valid: this page no longer follows changes. "
    + "Open the link in your newest digest email.";
  const GONE = "This address no longer receives digests: this page no longer follows changes.";
  function say(id, text) {
    if (document.getElementById(id)) return;
    const note = document.createElement("div");
    note.id = id;
    note.setAttribute("role", "alert");
    note.textContent = text;
    Object.assign(note.style, {
      position: "sticky", top: "0", zIndex: "2147483647", padding: "10px 14px", background: "#fef2f2",
      color: "#991b1b", borderBottom: "1px solid #fecaca", font: "14px/1.4 system-ui, sans-serif",
    });
    document.body.prepend(note);
  }

  async function poll() {
    let wait = 1500;  // a server that cannot answer (503): when it says (Retry-After), else in a minute
    try {
      const answer = await fetch(`${m[1]}/version`);
      // the link no longer taken: said alone, not that the file (gone, or no longer followed) cannot be read
      if (answer.status === 403 || answer.status === 410) document.getElementById("profile-unreadable")?.remove();
      if (answer.status === 403) { say("link-expired", EXPIRED); return; }  // the secret rotated: never again
      if (answer.status === 410) { say("reader-gone", GONE); wait = 60000; throw new Error("410"); }
      const v = answer.ok ? await answer.json() : null;
      // the reader back: made again; back with a file that cannot be read (a copy still in
      // progress): said below, not reloaded onto the 503 page, and reloaded once it reads changed
      const gone = document.getElementById("reader-gone");
      if (gone && !(v && v.unreadable)) { location.reload(); return; }
      gone?.remove();
      if (!answer.ok) { wait = 1000 * (Number(answer.headers.get("Retry-After")) || 60); throw new Error(`${answer.status}`); }
      // The profile file cannot be read (a hand edit broke it, a copy in progress): said at the top,
      // as its 503 page says it, not reloaded onto that page (the digest last made stays in view;
      // that page too is made again once the file reads: broken.js); the versions kept, compared
      // with once the file reads again (reloaded if it was changed)
      if (v.unreadable) { say("profile-unreadable", v.unreadable); throw new Error("unreadable"); }
      document.getElementById("profile-unreadable")?.remove();
      const key = `${v.profile}|${v.content}`;
      if (last !== null && key !== last) { location.reload(); return; }
      last = key;
    } catch (e) { /* the server is away: try again later */ }
    setTimeout(poll, wait);
  }
  poll();
})();
