// The preferences page: live preview of the edited profile, add/remove rows, follow outside changes.
(() => {
  "use strict";
  // Outside changes are asked for every 1.5 s; a server that cannot answer (a 503: the database
  // locked, or unusable until its operator fixes it) is asked again when it says (Retry-After),
  // else in a minute, not 40 times a minute, each a line in its log and a try at the database.
  const POLL = 1500;
  const unavailableWait = (answer) => 1000 * (Number(answer.headers.get("Retry-After")) || 60);
  const form = document.getElementById("prefs");
  if (!form) return;
  // An outcome (?done=saved&default=timezone: "Saved. Back to the default: ...") is said once:
  // the address loses it, so a reload later shows the page as it is, not that notice again.
  const said = new URLSearchParams(location.search);
  if (said.has("done") || said.has("default")) {
    said.delete("done");
    said.delete("default");
    const rest = said.toString();
    history.replaceState(history.state, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }
  const token = document.body.dataset.token;
  const pages = `${document.body.dataset.root || ""}/u/${token}`;  // under base_url's path, if any
  const frame = document.getElementById("preview");
  const summary = document.getElementById("summary");
  const errorsBox = document.getElementById("preview-errors");
  const status = document.getElementById("status");
  const list = document.getElementById("interests");
  const template = document.getElementById("row-template");
  const newKw = document.getElementById("new-kw");
  const newWeight = document.getElementById("new-weight");
  let dirty = false;
  let timer = null;
  let seq = 0;
  let edits = 0;  // the changes made on the page so far (changed())
  let expired = false;  // the server takes this page's link no more (expire())
  let away = false;  // its reader removed (a 410, readerGone()): no previews until a poll is answered
  // the profile file cannot be read (a poll said so: cannotRead()): said in the status line, the
  // form and its edits kept, nothing previewed, until a poll finds it read again (readAgain())
  let unreadable = false;
  let statusBefore = "";  // what the status line said before that
  // the versions the page was made at (null: made without the database): a change between its
  // making and the first poll is one too
  let versions = null;
  try { versions = JSON.parse(document.body.dataset.versions || "null"); } catch (e) { /* none */ }
  // Once the profile was changed elsewhere, that stays said while the edits here are unsaved: a
  // shorter "Unsaved changes" in its place (the field left on a click on Save) shortened the page
  // under the pointer, which then let go of no button: the click saved nothing.
  const EXPIRED = "This link is no longer valid: this page no longer follows changes, and saving from it fails. "
    + "Open the link in your newest digest email.";
  const GONE = "This address no longer receives digests: this page no longer follows changes, and saving from "
    + "it fails.";
  const ELSEWHERE = "Your profile was changed elsewhere: reload to see it (your edits here are not saved yet).";

  function fit() {
    try {
      const doc = frame.contentDocument;
      if (doc && doc.documentElement) frame.style.height = doc.documentElement.scrollHeight + 4 + "px";
    } catch (e) { /* not readable: keep the default height */ }
  }
  frame.addEventListener("load", fit);

  async function refresh() {
    if (expired || away || unreadable) return;  // nothing to preview with the link, or of the profile
    const mine = ++seq;  // (an answer on its way is older than what the fields hold now: dropped)
    // A weight whose decimal comma was refused holds what was typed without it (1,5 is 15 there):
    // not previewed, which would show half of the edit; said under the field until it is written
    // with a point, as the server says its errors of a field.
    const commas = [...form.querySelectorAll("input[data-comma]")];
    if (commas.length) {
      markFields(commas.map((field) => [field, COMMA]));
      errorsBox.textContent = "Not previewed: " + commas.map((f) => `${f.getAttribute("aria-label")}: ${COMMA}`).join(" ");
      errorsBox.hidden = false;
      summary.textContent = "";
      delete summary.dataset.count;
      return;
    }
    const asked = edits;
    let data;
    try {
      const response = await fetch(`${pages}/preview`, { method: "POST", body: new FormData(form) });
      if (response.status === 403) { expire(); return; }  // the secret rotated, before a poll said it
      if (response.status === 410) { readerGone(); return; }  // removed, before a poll said it
      data = await response.json();
      // before a poll said it (not after one found the link ended: that is said alone)
      if (data.unreadable) { if (mine === seq && !expired && !away) cannotRead(data.unreadable); return; }
      // not made just now (a 503): asked again when the server says, unless an edit asks first
      // (one made while this answer was on its way has asked already, 250 ms after it: kept)
      if (response.status === 503 && response.headers.get("Retry-After") && mine === seq && asked === edits) {
        clearTimeout(timer);
        timer = setTimeout(refresh, unavailableWait(response));
      }
    } catch (e) {  // said by the preview, not beside Save, whose words it would replace (that the
      // profile was changed elsewhere: the one place that says so, as the page polls it once)
      if (mine !== seq) return;
      summary.textContent = "Preview unavailable: is the server running?";
      delete summary.dataset.count;
      return;
    }
    if (mine !== seq || expired || away || unreadable) return;  // an older answer, or one after the link's end
    mark(data.invalid || [], data.ok || data.said ? data.said || {} : null);
    if (!data.ok) {
      errorsBox.textContent = data.errors;
      errorsBox.hidden = false;
      summary.textContent = "";
      return;
    }
    errorsBox.hidden = true;
    const n = data.count;
    const unsent = data.paused
      ? " · paused: nothing is sent"
      : data.stopped
        ? ` · ${data.stopped}: nothing is sent`
        : data.sent
          ? ""
          : " · no email is sent";
    summary.textContent = `${n} paper${n === 1 ? "" : "s"}` + unsent;
    summary.dataset.count = String(n);
    frame.srcdoc = data.html;
  }

  // The fields a preview's errors name (form.field_errors' names), marked invalid and described
  // by the errors, as a refused save's page marks them; unmarked once the preview takes them.
  // The fields a refused save's page marked are the first preview's to unmark, as its own are; a
  // field keeps what describes it besides (the paused box's kept-note), marked or not.
  let marked = [...form.querySelectorAll("[aria-invalid]")];
  const own = new Map();
  for (const field of form.querySelectorAll("[aria-describedby]")) {
    const rest = field.getAttribute("aria-describedby").split(" ").filter((id) => !/^(said-\d+|errors)$/.test(id));
    if (rest.length) own.set(field, rest.join(" "));
  }
  const describe = (field, by) => {
    const all = [by, own.get(field)].filter(Boolean).join(" ");
    if (all) field.setAttribute("aria-describedby", all); else field.removeAttribute("aria-describedby");
  };
  function named(name) {
    const [part, phrase] = name.includes(":") ? [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)] : [name, null];
    if (phrase === null) return name === "new_kw" ? newKw : document.getElementById(name);
    const spaced = (field) => field.value.trim().split(/\s+/).join(" ");
    const row = [...list.querySelectorAll(".row")].find((r) => spaced(r.querySelector("[name=kw]")) === phrase);
    if (!row && spaced(newKw) === phrase) {  // the keyword being added: its field, or its weight's
      return part === "kw" ? newKw : newWeight;
    }
    return row ? row.querySelector(`[name=${part}]`) : null;
  }
  // What the errors say of each field (``said``) is said next to it too, where a refused save's
  // page says it (its said_of): in the field's row or label, else after the field (or its label);
  // the field is described by it alone, as there (the box would say it twice to a screen reader).
  // ``said`` null (the preview unavailable): the fields, their marks and the words next to them,
  // are left as they are (words kept with no mark would be hidden from a screen reader).
  function mark(names, said) {
    if (said) markFields(names.map((name) => [named(name), said[name]]));
  }
  function markFields(pairs) {  // [field, what is said next to it (or nothing)]
    for (const field of marked) { field.removeAttribute("aria-invalid"); describe(field, null); }
    for (const old of form.querySelectorAll(".field-error")) old.remove();
    marked = [];
    pairs.forEach(([field, words], i) => {
      if (!field) return;
      marked.push(field);
      field.setAttribute("aria-invalid", "true");
      describe(field, "preview-errors");
      if (!words) return;
      const note = document.createElement("span");
      note.className = "field-error";
      note.id = `live-said-${i}`;
      note.setAttribute("aria-hidden", "true");  // read through the field's description
      note.textContent = words;
      const within = field.closest(".row, .grid label");
      if (within) within.append(note); else (field.closest("label.check") || field).after(note);
      describe(field, note.id);  // not the box: it says it again, with the rest
    });
  }

  function changed() {
    dirty = true;
    edits += 1;
    if (unreadable) statusBefore = statusBefore === ELSEWHERE ? ELSEWHERE : "Unsaved changes";
    else if (status.textContent !== ELSEWHERE) status.textContent = "Unsaved changes";
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // A number under its field's minimum (a weight of 0): said in the page's words (data-under),
  // not the browser's "at least 5e-324"; the browser still refuses to submit it. A decimal comma
  // (0,5), which a number field drops without a word (0,5 would be sent as 05), is refused as it
  // is put in, typed or not (a paste, an input method, a phone's keyboard, whose key events name
  // no key: all come as a beforeinput with the text). After a comma alone, the field stays refused
  // while more digits follow (0 then 5 would be 05), until the reader corrects it: deletes (a
  // character, or all of it), puts in a point (Chromium reads "0." as 0, not as no number: the
  // point is what tells) or types over the whole text selected after the comma (it follows no
  // comma then); after a text refused whole, until the field changes. A comma typed over the
  // whole text selected stands for it: what follows is after the comma (,5 over 1.5 is 0.5).
  const COMMA = "Write decimals with a point: 0.5, not 0,5.";
  // The weights come as text fields, made number fields here: without this script a number field
  // drops a comma typed in it without a word (0,5 sent as 05: a weight of 5), where a text field
  // sends 0,5 as typed, which the server refuses, saying to write 0.5.
  for (const input of form.querySelectorAll("input[data-number]")) input.type = "number";
  // Chromium lists a number field's selection in the document's (its selectionStart is null);
  // where a browser does not, nothing is taken as selected whole: the field stays refused.
  const wholeSelected = (input) => input.value !== "" && String(document.getSelection()) === input.value;
  function explain(input) {
    if (!input.dataset || input.type !== "number") return;
    if (input.dataset.comma && input.value === "") delete input.dataset.comma;
    input.setCustomValidity("");
    if (input.dataset.comma) input.setCustomValidity(COMMA);
    else if (input.dataset.under && input.validity.rangeUnderflow) input.setCustomValidity(input.dataset.under);
  }
  form.addEventListener("input", (e) => explain(e.target), true);
  form.addEventListener("beforeinput", (e) => {
    const input = e.target;
    if (input.type !== "number") return;
    const text = e.data ?? (e.dataTransfer ? e.dataTransfer.getData("text/plain") : "");
    if (text.includes(",")) {
      e.preventDefault();  // nothing of it is taken (a whole paste too: the field may stay empty)
      // A comma alone (a key) is followed by the digits after it; a text refused whole leaves the
      // field as it was: what is typed next follows no comma (refused until then, not after).
      if (text === ",") input.dataset.comma = wholeSelected(input) ? "over" : "after";
      input.setCustomValidity(COMMA);
      input.reportValidity();
    } else if (input.dataset.comma) {
      const afresh = input.dataset.comma === "after" && wholeSelected(input);  // selected since
      if (afresh || e.inputType.startsWith("delete") || text.includes(".")) {
        delete input.dataset.comma;  // corrected: the input event that follows checks the rest
      } else {
        input.dataset.comma = "after";  // the selection the comma was typed over is replaced
      }
    }
  }, true);

  function addRow() {
    const keyword = newKw.value.trim();
    if (!keyword) { newKw.focus(); return; }
    if (!newWeight.checkValidity()) { newWeight.reportValidity(); return; }
    const row = template.content.firstElementChild.cloneNode(true);
    row.querySelector("[name=kw]").value = keyword;
    row.querySelector("[name=weight]").value = newWeight.value || "1";
    // Labelled with its keyword, as the server's rows are: a screen reader, and a message naming
    // the field ("Not previewed: Weight of ...: ..."), say whose weight it is.
    row.querySelector("[name=weight]").setAttribute("aria-label", `Weight of ${keyword}`);
    const remove = row.querySelector("button.remove");
    remove.setAttribute("aria-label", `Remove ${keyword}`);
    remove.title = `Remove ${keyword}`;
    list.appendChild(row);
    newKw.value = "";
    newWeight.value = "";
    changed();
    newKw.focus();
  }
  // Add and the remove buttons are this script's: shown by it (without it they would do nothing;
  // a keyword is removed by clearing it then, and one typed under the others added by Save).
  for (const button of form.querySelectorAll("button[data-script]")) button.hidden = false;
  document.getElementById("add").addEventListener("click", addRow);
  newKw.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addRow(); } });
  list.addEventListener("click", (e) => {
    const button = e.target.closest("button.remove");
    if (button) { button.closest(".row").remove(); changed(); }
  });

  // A field used only with a value of another one (weekday: frequency weekly) hides otherwise.
  for (const field of form.querySelectorAll("[data-only-with]")) {
    const other = document.getElementById(field.dataset.onlyWith);
    const toggle = () => { field.hidden = other.value !== field.dataset.onlyValue; };
    other.addEventListener("change", toggle);
    toggle();
  }
  // Saving: this page is about to be replaced by the server's answer; the change the save makes
  // to the profile must not make the watcher below reload this page over that answer.
  let saving = false;
  form.addEventListener("submit", () => { dirty = false; saving = true; status.textContent = "Saving…"; });

  // A rating made elsewhere (a digest's link in another tab, `digest feedback`): the list of
  // ratings read again from this page as the server shows it now; the form is left as it is.
  async function ratingsAgain() {
    const answer = await fetch(pages);
    if (!answer.ok) throw new Error(`${answer.status}`);  // the versions kept: read again at the next poll
    const fresh = new DOMParser().parseFromString(await answer.text(), "text/html").getElementById("ratings");
    const shown = document.getElementById("ratings");
    if (fresh && shown) shown.replaceWith(document.importNode(fresh, true));
  }

  // The server no longer takes this page's link (web.secret_file rotated: the links signed before
  // answer 403), or its reader was removed (410): said once, at the top. A 403 is for good (no
  // more polling); a 410 is asked again in a minute (a file put back before any pass found it gone
  // opens again: the page is made again).
  function say(id, text) {
    if (document.getElementById(id)) return;
    const note = document.createElement("p");
    note.className = "errors";
    note.id = id;
    note.setAttribute("role", "alert");
    note.textContent = text;
    const title = document.querySelector("h1");
    if (title) title.after(note); else document.body.prepend(note);
  }

  // The link no longer taken (a 403, to a poll or to a preview), or its reader removed (a 410):
  // the note says it, the one thing said. The preview's messages of an edit, and the fields they
  // marked, are put away (fixing them would save nothing), and so is its summary; no more
  // previews are asked for (for a 410, until a poll is answered again: then the preview is).
  // (A page saying its file cannot be read says that no more: the file is gone, or no longer followed.)
  function expire() {
    expired = true;
    say("link-expired", EXPIRED);
    putAway();
    if (unreadable) readAgain();
  }

  function readerGone() {
    away = true;
    say("reader-gone", GONE);
    putAway();
    if (unreadable) readAgain();
  }

  function putAway() {
    clearTimeout(timer);
    errorsBox.hidden = true;
    errorsBox.textContent = "";
    mark([], {});  // unmarked, and what was said under them put away with the box
    summary.textContent = "";
    delete summary.dataset.count;
  }

  // The profile file cannot be read (a hand edit broke it, a copy in progress): the page is not
  // reloaded onto the 503 page, which would lose the form's edits (that page, answered to a GET,
  // is made again once the file reads: broken.js; only a POST's follows nothing, and shows what
  // was typed). The status line says what that page says (the server's words, to a poll or to a
  // preview); the form and its edits stay, and what the last preview said of them (no preview:
  // nothing said of them since); the preview is put away, until the file reads again.
  function cannotRead(said) {
    if (!unreadable) statusBefore = status.textContent;
    unreadable = true;
    status.textContent = said;
    clearTimeout(timer);
    summary.textContent = "";
    delete summary.dataset.count;
    frame.hidden = true;
  }

  function readAgain() {
    unreadable = false;
    status.textContent = statusBefore;
    frame.hidden = false;
  }

  async function poll() {
    let wait = POLL;
    try {
      const answer = await fetch(`${pages}/version`);
      if (answer.status === 403) { expire(); return; }  // the secret rotated: never again
      if (answer.status === 410) { readerGone(); wait = 60000; throw new Error("410"); }
      const gone = document.getElementById("reader-gone");
      const v = answer.ok ? await answer.json() : null;
      // back: the page made again, or its edits kept and previewed again; back with a file that
      // cannot be read (put back by a copy still in progress): said below, not reloaded onto the
      // 503 page (the edits would be lost there); made again or previewed again once it reads
      const broken = Boolean(v && v.unreadable);
      if (gone) {
        if (!dirty && !broken) { location.reload(); return; }
        gone.remove();
        away = false;
        if (!broken) refresh();
      }
      if (!answer.ok) { wait = unavailableWait(answer); throw new Error(`${answer.status}`); }
      if (saving) return;
      if (v.unreadable) {  // the versions kept: compared with once the file reads again
        cannotRead(v.unreadable);
        throw new Error("unreadable");
      }
      const back = unreadable;  // read again: the page made again, or previewed again
      if (back) readAgain();
      if (versions && v.profile !== versions.profile) {
        if (!dirty) { location.reload(); return; }
        status.textContent = ELSEWHERE;
        if (back) refresh();
      } else if (back || (versions && v.content !== versions.content)) {
        if (dirty) refresh(); else frame.src = frame.src;
      }
      if (versions && v.ratings !== versions.ratings) await ratingsAgain();
      versions = v;
    } catch (e) { /* the server is away: try again later */ }
    setTimeout(poll, wait);
  }
  poll();
})();
