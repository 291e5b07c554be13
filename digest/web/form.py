"""The preferences form: the profile options it shows (every option declared with a label in
:class:`digest.models.Profile`), their values as the form shows them, and what a submitted form
asks to change in the YAML file (:class:`FormEdit`, applied by :func:`digest.profiles.edit.apply_edit`)."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

from digest import yaml_comments, yaml_edit
from digest.config import Config
from digest.errors import ProfileError, collect
from digest.keyword_checks import MAX_KEYWORD, MAX_WEIGHT, spaced, too_long
from digest.models import Profile
from digest.number_text import number_note, read_number
from digest.options import Option, Reading, declared, read
from digest.profiles.changes import convert_value, drop_unused, number_refused, set_exclude, set_interests
from digest.profiles.edit import Change, Data
from digest.select.text import keyword_key

# The form asks for every profile option declared with a label (digest.models.Profile), in
# declaration order: checkboxes for true/false options, a field for each of the others.
OPTIONS = {key: opt for key, opt in declared(Profile).items() if opt.label}
FIELDS = [key for key, opt in OPTIONS.items() if opt.check.widget != "checkbox"]
SWITCHES = [key for key, opt in OPTIONS.items() if opt.check.widget == "checkbox"]


def number_text(value: float) -> str:
    """A number as an HTML attribute or the form shows it, every digit kept: 2, not 2.0."""
    return repr(float(value)).removesuffix(".0")


def lowest(minimum: float, above: bool = False) -> str:
    """The ``min`` of a number field whose values must be at least ``minimum``, or (``above``)
    more than it. HTML has no exclusive minimum: above it is the next number up (5e-324 above
    0), so the browser refuses exactly what the server refuses, and no number between."""
    return number_text(math.nextafter(minimum, math.inf) if above else minimum)


# An interest's weight, as the server checks it (digest.keyword_checks.Weights): more than 0,
# at most MAX_WEIGHT, any fraction. ``under``: what the browser says of a weight of 0 or less
# (prefs.js), instead of its "at least 5e-324".
WEIGHT = {
    "min": lowest(0, above=True),
    "max": number_text(MAX_WEIGHT),
    "step": "any",
    "under": "A weight must be more than 0 (0.5 counts half as much, 2 twice). To drop a keyword, clear it.",
}


def form_field(opt: Option) -> dict[str, Any]:
    """What the template needs to draw the field of ``opt`` (a number's limits as its check's)."""
    field: dict[str, Any] = {"key": opt.key, "label": opt.label, "widget": opt.check.widget}
    field["choices"] = opt.check.choices()
    minimum, maximum = getattr(opt.check, "minimum", None), getattr(opt.check, "maximum", None)
    field["min"] = None if minimum is None else lowest(minimum, getattr(opt.check, "above", False))
    field["max"] = None if maximum is None else number_text(maximum)
    field["step"] = getattr(opt.check, "step", "any")
    field["only_with"], field["only_value"] = opt.only_with or (None, None)
    # said in its label, as a page without JavaScript shows it whatever the other's value (weekday:
    # "Day (weekly digests only)"; the script hides it while unused)
    field["only_note"] = f"{opt.only_with[1]} digests only" if opt.only_with else None
    return field


def weight_text(weight: float) -> str:
    """A weight as the form shows it, every digit kept (1.2345678, not 1.23457); 2, not 2.0."""
    return number_text(weight)


def form_values(profile: Profile) -> dict[str, str]:
    return {key: OPTIONS[key].check.to_text(getattr(profile, OPTIONS[key].name)) for key in FIELDS}


def default_values(config: Config) -> dict[str, str]:
    """What each field shows for a profile that does not set it: the config's default for
    profiles (``timezone:`` in config.yaml), or the built-in one."""
    values = {}
    for key in FIELDS:
        opt = OPTIONS[key]
        values[key] = opt.check.to_text(getattr(config, opt.inherit) if opt.inherit else opt.default)
    return values


def back_to_default(keys: list[str], profile: Profile) -> str:
    """What the page says of the fields a save emptied, each back to its default (shown as the
    saved ``profile`` now has it): "Back to the default: Time zone (UTC), Papers at most (10)."."""
    values = form_values(profile)

    def shown(key: str) -> str:  # as the page's field shows it: a choice by its label ("Monday")
        return dict(OPTIONS[key].check.choices() or ()).get(values[key], values[key])

    named = [f"{OPTIONS[key].label} ({shown(key)})" for key in FIELDS if key in keys]
    return f"Back to the default: {', '.join(named)}." if named else ""


def terms_text(terms: tuple[str, ...]) -> str:
    """Excluded terms as the form's one field shows them: separated by commas, a term that holds
    a comma (or starts with a quote) in double quotes, as split_terms reads it back: one term."""
    return ", ".join(
        f'"{t.replace(chr(34), chr(34) * 2)}"' if "," in t or t.startswith('"') else t for t in terms
    )


QUOTED = "terms_quoted"  # the form's hidden field: its page quotes a term with a comma (terms_text)


def split_terms(text: str) -> tuple[str, ...]:
    """The excluded terms of the form's one field: separated by commas (or lines); a comma in
    double quotes ("Smith, J.") is in the term (a quote in one is written twice, as in CSV)."""
    try:
        terms = [t for row in csv.reader(text.splitlines(), skipinitialspace=True) for t in row]
    except csv.Error:  # a term over csv's field limit (128 KB): refused as too long all the same
        terms = text.replace("\n", ",").split(",")
    return tuple(t.strip() for t in terms if t.strip())


def field_errors(errors: str, phrases: list[str]) -> dict[str, str]:
    """The form's fields a refused save's ``errors`` name, in the page's order, each with what
    the errors say of it, without the file, line and key (``timezone: 'X' is not ...`` -> ``'X' is
    not ...``): ``kw:<phrase>`` or ``weight:<phrase>`` (a row of ``phrases``; a keyword too long is
    its row's ``kw``), ``new_kw`` (the keywords as a whole: none left, too many), ``exclude``, and
    the keys of FIELDS and SWITCHES. The page marks them invalid, described by the errors and by
    what is said next to each (the box of all the errors, at the top, may be far from the field),
    and puts the keyboard's focus on the first."""
    named: dict[str, list[str]] = {}
    keys = ("interests", "exclude", *FIELDS, *SWITCHES)
    for line in errors.splitlines():
        said = re.sub(r"^\s*(?:- )?(?:[^\s:]+\.ya?ml: )?(?:line \d+: )?", "", line)
        for phrase in phrases:
            if said.startswith(f"interests.{phrase}: "):
                part = "weight" if said.startswith(f"interests.{phrase}: weight") else "kw"
                named.setdefault(f"{part}:{phrase}", []).append(said.removeprefix(f"interests.{phrase}: "))
            elif len(spaced(phrase)) > MAX_KEYWORD and said == f"interests: {too_long(spaced(phrase))}":
                named.setdefault(f"kw:{phrase}", []).append(said.removeprefix("interests: "))
                said = ""  # the keyword too long: its own field, not the new one's
        for key in keys:
            if said.startswith(f"{key}: "):
                named.setdefault(key, []).append(said.removeprefix(f"{key}: "))
    rows = [f"{part}:{phrase}" for phrase in phrases for part in ("kw", "weight")]
    return {
        ("new_kw" if name == "interests" else name): " ".join(named[name])
        for name in (*rows, *keys)
        if name in named
    }


SHOWN = "exclude_shown"  # the form's hidden field: the exclusions' field as its page drew it


def exclude_after_conflict(
    form: MultiDict[str, str], sent: tuple[str, ...], now: tuple[str, ...]
) -> tuple[str, str]:
    """The exclusions' field of the page given back by a 409 (the file changed since the form's
    page was drawn), and what to say of it. The field as its page drew it (SHOWN) shows the
    file's terms ``now``: sent back, the change made elsewhere stays. Typed in, it keeps what was
    typed (``sent``), and says what the file has now if that changed too, to other terms. A page drawn before
    terms with a comma were quoted (no SHOWN) cannot tell a term with a comma from two terms: the
    file's terms are shown, and what that page sent is said, to be typed again if it was meant."""
    now_text, typed = terms_text(now), form.get("exclude", "")
    drawn = form.get(SHOWN)
    if drawn is None:
        if split_terms(typed) in (now, split_terms(", ".join(now))):
            return now_text, ""
        said = f'"Leave out papers about" now has: {now_text or "nothing"}, shown below. Your page sent '
        said += f'"{typed.strip()}", written before terms with a comma were quoted, so a comma in it may '
        return now_text, said + "be one term's or between two: type it again, in quotes where it is one term."
    if typed == drawn:
        return now_text, ""
    if drawn == now_text or sent == now:  # not changed elsewhere, or changed to what was typed
        return terms_text(sent), ""
    said = f'"Leave out papers about" was changed elsewhere too: it is now {now_text or "empty"}; '
    return terms_text(sent), said + "the form keeps what you typed there."


def shown_fields(profile: Profile) -> dict[str, str]:
    """The fields (but the exclusions, SHOWN) as the page draws them from ``profile``, carried by
    its form (``shown_<key>``): a save that meets a change made elsewhere (a 409) compares them."""
    shown = form_values(profile)
    shown.update({key: "on" if getattr(profile, OPTIONS[key].name) else "" for key in SWITCHES})
    shown["interests"] = json.dumps([[i.phrase, weight_text(i.weight)] for i in profile.interests])
    return shown


Row = tuple[str, str]  # a keyword and its weight, as the form shows them


KEEPS = "the form keeps what you typed."


def shown_rows(text: str | None) -> list[Row] | None:
    """The keywords a form's ``shown_interests`` says its page drew (shown_fields), or None where
    it says none: a page drawn before forms carried it, or a field not as a page writes it."""
    try:
        rows = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):  # a form not as a page writes it (nested too deep)
        return None
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 2 for r in rows):
        return None
    return [(str(k), str(w)) for k, w in rows]


def interests_after_conflict(
    typed: list[Row], drawn: list[Row], now: list[Row]
) -> tuple[list[Row], list[str]]:
    """The keywords of the page given back by a 409, merged keyword by keyword (one keyword,
    whatever its spacing and case: keyword_key): one the reader left as their page drew it
    takes the file's state ``now`` (its weight changed, or gone where removed elsewhere); one
    the reader added, removed or changed keeps their edit; one added elsewhere is added (after
    the reader's rows). Where both changed a keyword, differently, the reader's edit is kept
    and said with the file's state."""
    rows: dict[str, list[Row]] = {}
    for row in typed:
        rows.setdefault(keyword_key(row[0]), []).append(row)
    was, ours = {keyword_key(k): (k, w) for k, w in drawn}, {keyword_key(k): (k, w) for k, w in now}
    said, merged = [], []
    for key in [*rows, *(key for key in ours if key not in rows)]:
        mine, base, theirs = rows.get(key, []), was.get(key), ours.get(key)
        if mine == ([base] if base else []):
            mine = [theirs] if theirs else []
        elif theirs is None and base is not None and mine:
            said.append(f'The keyword "{mine[0][0]}" was removed elsewhere; {KEEPS}')
        elif theirs is not None and base != theirs and [w for _, w in mine] != [theirs[1]]:
            kept = "keeps what you typed" if mine else "leaves it out, as you did"
            now_said = f"its weight is now {theirs[1]}"
            said.append(f'The keyword "{theirs[0]}" was changed elsewhere too: {now_said}; the form {kept}.')
        merged += mine
    return merged, said


def after_conflict(form: MultiDict[str, str], edit: FormEdit, now: Profile) -> tuple[dict[str, Any], str]:
    """What the page given back by a 409 shows in place of the form's fields, and what it says of
    them: a field sent as its page drew it shows the file's value ``now`` (saved again, the
    change made elsewhere stays); one typed in keeps what was typed, said with the file's value
    where that changed too, to another value than typed. The keywords are merged one by one
    (interests_after_conflict). A page drawn before its form carried them keeps what it sent."""
    drawn_now, said = shown_fields(now), []
    typed = {key: form.get(key, "").strip() for key in FIELDS}
    typed.update({key: "on" if on else "" for key, on in edit.switches.items()})
    kept = {}
    for key, value in typed.items():
        drawn = form.get(f"shown_{key}")
        if drawn is None:
            continue
        kept[key] = drawn_now[key] if value == drawn else value
        if value != drawn and drawn != drawn_now[key] and value != drawn_now[key]:
            was = {"": "not ticked", "on": "ticked"}.get(drawn_now[key], drawn_now[key])
            said.append(f'"{OPTIONS[key].label}" was changed elsewhere too: it is now {was}; {KEEPS}')
    interests = [(k, weight_text(w) if isinstance(w, float) else str(w)) for k, w in edit.interests]
    if (drawn_rows := shown_rows(form.get("shown_interests"))) is not None:
        now_rows = shown_rows(drawn_now["interests"]) or []
        interests, told = interests_after_conflict(interests, drawn_rows, now_rows)
        said += told
    exclude, told = exclude_after_conflict(form, edit.exclude, now.exclude)
    shown: dict[str, Any] = {"exclude": exclude, "interests": interests}
    shown["values"] = {key: kept.get(key, form.get(key, "")) for key in FIELDS}
    shown["switches"] = {key: kept.get(key, typed[key]) == "on" for key in SWITCHES}
    return shown, " ".join([*said, told]).strip()


def _field_order(problem: str) -> int:
    """Where the field a problem names (``interests.robotics: ...``) is in a profile."""
    keys = list(declared(Profile))
    key = problem.split(":", 1)[0].split(".", 1)[0]
    return keys.index(key) if key in keys else len(keys)


@dataclass(frozen=True)
class FormEdit:
    """What the preferences form asks for, as submitted (nothing validated yet)."""

    interests: tuple[tuple[str, Any], ...]
    exclude: tuple[str, ...]
    scalars: dict[str, str]  # a field emptied: "" (back to the default); one not sent: absent
    switches: dict[str, bool]
    quoted: bool = True  # its page quoted a term with a comma (QUOTED); one drawn before did not

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> FormEdit:
        rows = list(zip(form.getlist("kw"), form.getlist("weight"), strict=False))
        rows.append((form.get("new_kw", ""), form.get("new_weight", "")))
        interests = []
        for keyword, raw in rows:
            if not keyword.strip():
                continue  # an emptied row is a removed keyword
            raw = raw.strip()
            number = read_number(raw) if raw else 1.0
            # refused as typed (1e-400, not the 0 it reads as; 1e400, nan, 1_0: no number here)
            weight: Any = float(number) if number is not None and 0 < number <= MAX_WEIGHT else raw
            interests.append((" ".join(keyword.split()), weight))
        exclude = split_terms(form.get("exclude", ""))
        scalars = {k: form.get(k, "").strip() for k in FIELDS if k in form}
        switches = {k: form.get(k) == "on" for k in SWITCHES}
        return cls(tuple(interests), exclude, scalars, switches, form.get(QUOTED) == "1")

    def as_shown(self, current: Profile) -> FormEdit:
        """This edit, its excluded terms read as its page showed them. A page drawn before terms
        with a comma were quoted (open across the upgrade; no QUOTED in its form) showed exclude:
        medical, biology, one term, as the two it reads as now: that field sent back as shown
        keeps the one term; changed, it is read as typed (every comma between two terms, as that
        page said)."""
        if self.quoted or self.exclude != split_terms(", ".join(current.exclude)):
            return self
        return dataclasses.replace(self, exclude=current.exclude, quoted=True)

    def described(self) -> list[tuple[str, str]]:
        """What was typed, as (the field's label, its value) to show back when it cannot be saved."""
        weights = [f"{k}: {weight_text(w) if isinstance(w, float) else w}" for k, w in self.interests]
        shown = [("Interests", ", ".join(weights) or "none")]
        shown.append(("Leave out papers about", terms_text(self.exclude)))
        shown += [(OPTIONS[key].label or key, value or "the default") for key, value in self.scalars.items()]
        shown += [(OPTIONS[key].label or key, "yes" if on else "no") for key, on in self.switches.items()]
        return [(label, value) for label, value in shown if value]

    def weights_refused(self) -> list[str]:
        """Each weight typed that is no number up to MAX_WEIGHT above 0, said as typed (as the
        command line says it), not as YAML would read it once written: 1e-400 and -0 are not "0",
        1e400 not "inf"."""
        wanted = f"is not a positive number up to {MAX_WEIGHT:g}"
        refused = [(k, w) for k, w in self.interests if isinstance(w, str)]
        return [
            f"interests.{k}: weight {w} {wanted}"
            if read_number(w) is not None  # a number out of the range
            else f"interests.{k}: weight {w!r} {wanted}{number_note(w)}"  # none here (0,5: said how)
            for k, w in refused
        ]

    def numbers_refused(self, path: Path) -> list[str]:
        """Each number field's value (max_papers) that reads as a number its check refuses, said
        as typed: 1e-400 and -0, not "got 0" (text that is no number is said as typed already)."""
        said = (number_refused(key, typed, path) for key, typed in self.scalars.items())
        return [s for s in said if s is not None]

    def change(self, current: Profile, defaults: dict[str, str], dropped: list[str] | None = None) -> Change:
        """The edit to the YAML document: only what differs from ``current`` is written; a field
        emptied loses its line (its comments kept), and so reads as ``defaults`` has it; ``dropped``:
        told the keys whose line it took out (a field emptied that the file did not set is not
        one: it was at its default already)."""
        effective = form_values(current)
        wanted = {**effective, **{key: value or defaults[key] for key, value in self.scalars.items()}}

        def apply(data: Data, path: Path) -> None:
            if dropped is not None:
                dropped.clear()  # of this try's document alone
            refused = self.weights_refused() + self.numbers_refused(path)
            wrong = {key for key, typed in self.scalars.items() if number_refused(key, typed, path)}
            # a weight refused as typed is 1 meanwhile: the form's other mistakes are said with it
            set_interests(data, [(k, 1.0 if isinstance(w, str) else w) for k, w in self.interests], path)
            if self.exclude != split_terms(terms_text(current.exclude)):  # the field as shown, untouched
                set_exclude(data, self.exclude, path)
            for key, value in self.scalars.items():
                only_with = OPTIONS[key].only_with
                if only_with and wanted[only_with[0]] != only_with[1]:
                    continue
                if not value:
                    if key in data:
                        yaml_comments.drop(data, key)
                        if dropped is not None:
                            dropped.append(key)
                elif value != effective[key] and key not in wrong:
                    data[key] = convert_value(key, value, path)
            for key in FIELDS:
                drop_unused(data, key, wanted[key])
            for key, on in self.switches.items():
                if on != getattr(current, OPTIONS[key].name):
                    data[key] = on
            if refused:  # said with every other mistake of the form, in the order of the fields
                reading = Reading(path.parent, lines=False)
                read(Profile, yaml_edit.read_back(data, path, ProfileError), reading)
                said = sorted(refused + reading.problems, key=_field_order)
                collect(said, f"{path}: invalid profile", ProfileError)

        return apply
