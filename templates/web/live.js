// The standalone preview (/u/<token>/digest?live=1): reload when the profile, templates or papers change.
(() => {
  "use strict";
  const m = location.pathname.match(/^(.*\/u\/[^/]+)\/digest$/);  // under base_url's path, if any
  if (!m) return;
  let last = null;
  async function poll() {
    try {
      const v = await (await fetch(`${m[1]}/version`)).json();
      const key = `${v.profile}|${v.content}`;
      if (last !== null && key !== last) { location.reload(); return; }
      last = key;
    } catch (e) { /* the server is away: try again later */ }
    setTimeout(poll, 1500);
  }
  poll();
})();
