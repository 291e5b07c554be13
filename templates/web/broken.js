// The page of a link (a GET) that cannot be shown for now, made again once it can: the 503 saying
// its reader's profile file cannot be read (data-stays="unreadable"), the 410 saying its reader was
// removed ("gone": a file put back), the 503 saying the database (or the profiles folder, or the
// templates) cannot be used ("unavailable"). It asks the server as the other pages do (GET
// /u/<token>/version) after data-wait ms, and again after as long while the answer says the same;
// a server that cannot answer (a 503): when it says, Retry-After, else in a minute. Any other answer
// makes the page again: the page itself, or the one saying what is so now (the link no longer
// taken: 403; the reader removed: 410; the file unreadable). A POST's page (a refused save showing
// what was typed, "Save this again"; a resubscribe) has no script: nothing reloads over it.
(() => {
  "use strict";
  const { version } = document.currentScript.dataset;
  // no data-stays: an earlier release's own web/broken.html.j2 in a `templates:` folder, whose
  // page is the "cannot be read" one (taken as another, it would be reloaded at every poll)
  const stays = document.currentScript.dataset.stays ?? "unreadable";
  const again = Number(document.currentScript.dataset.wait) || 1500;
  async function poll() {
    let wait = again;
    try {
      const answer = await fetch(version);
      if (answer.status === 410 && stays === "gone") throw new Error("410");
      if (answer.status === 403 || answer.status === 410) { location.reload(); return; }
      if (!answer.ok) { wait = 1000 * (Number(answer.headers.get("Retry-After")) || 60); throw new Error(`${answer.status}`); }
      if (!((await answer.json()).unreadable && stays === "unreadable")) { location.reload(); return; }
    } catch (e) { /* the server is away, or says the same: try again later */ }
    setTimeout(poll, wait);
  }
  setTimeout(poll, again);
})();
