// The 503 page of a link opened while its reader's profile file cannot be read (a GET): it asks
// the server as the other pages do (/version, every 1.5 s; a server that cannot answer, a 503:
// when it says, Retry-After, else in a minute) and is made again once the file reads, or once
// the link says something else (the reader removed: 410; the link no longer taken: 403). A POST's
// page, which shows what was typed, has no script: nothing reloads over it.
(() => {
  "use strict";
  const POLL = 1500;
  const asked = document.currentScript.dataset.version;
  async function poll() {
    let wait = POLL;
    try {
      const answer = await fetch(asked);
      if (answer.status === 403 || answer.status === 410) { location.reload(); return; }
      if (!answer.ok) { wait = 1000 * (Number(answer.headers.get("Retry-After")) || 60); throw new Error(`${answer.status}`); }
      if (!(await answer.json()).unreadable) { location.reload(); return; }
    } catch (e) { /* the server is away: try again later */ }
    setTimeout(poll, wait);
  }
  setTimeout(poll, POLL);
})();
