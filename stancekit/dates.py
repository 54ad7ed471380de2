"""Publication dates of news documents: parsed once (in corpus mode), stored as ISO ``YYYY-MM-DD``.

`parse_date` accepts what news archives actually contain and refuses what it cannot read without
guessing:

- ``datetime.date`` / ``datetime.datetime`` objects (e.g. a Parquet timestamp column);
- ISO 8601: ``2016-09-28``, ``2016-09-28T14:05:00Z``, ``2016-09-28 14:05:00+02:00``, ``20160928``;
  ``2016/09/28``, ``2016.09.28``;
- month names (full, three-letter, AP style "Sept."), with an optional weekday and an optional time
  after the year: ``September 28, 2016``, ``Sept. 28, 2016 3:45 PM ET``, ``Wednesday, Sep 28 2016``,
  ``28 September 2016``, ``28 Sep. 2016``;
- RFC 2822 (RSS feeds): ``Wed, 28 Sep 2016 14:05:00 GMT``;
- numeric day and month with a four-digit year: ``28.09.2016`` (dots: day first, as in Europe),
  ``9/28/2016`` or ``28/9/2016`` only when unambiguous (one part above 12). ``9/8/2016`` could be
  8 September or 9 August and is refused, not guessed.

The time of day and a time zone, when present, are dropped: the date is the calendar day as written.
A value that cannot be read gives ``(None, reason)``; callers warn with the row and keep going.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any

MONTHS: dict[str, int] = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?,?\s+)?"
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_END = r"(?=$|[\s,T])"  # anything after the year (a time, a zone) is ignored
_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"^{_YEAR}-(?P<m>\d{{2}})-(?P<d>\d{{2}})(?:$|[T\s])",  # ISO 8601 (with an optional time)
        rf"^{_YEAR}(?P<m>\d{{2}})(?P<d>\d{{2}})$",  # 20160928
        rf"^{_YEAR}[/.](?P<m>\d{{1,2}})[/.](?P<d>\d{{1,2}}){_END}",  # 2016/09/28, 2016.09.28
        rf"^{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}{_END}",  # September 28, 2016
        rf"^{_WEEKDAY}{_DAY}\s+{_MONTH},?\s+{_YEAR}{_END}",  # 28 September 2016 / Wed, 28 Sep 2016 ...
        rf"^(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.{_YEAR}{_END}",  # 28.09.2016 (day first)
    )
)
_SLASHED = re.compile(rf"^(?P<a>\d{{1,2}})[/-](?P<b>\d{{1,2}})[/-]{_YEAR}{_END}")
MIN_YEAR, MAX_YEAR = 1000, 2999


def _make(year: int, month: int, day: int) -> tuple[str | None, str | None]:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, f"year {year} out of range"
    try:
        return _dt.date(year, month, day).isoformat(), None
    except ValueError as exc:
        return None, f"not a calendar date ({exc})"


def parse_date(value: Any) -> tuple[str | None, str | None]:
    """``(iso_date, None)`` for a readable date, ``(None, None)`` for no value (None / empty),
    ``(None, reason)`` for a value that cannot be read (see the module docstring)."""
    if value is None:
        return None, None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, _dt.date):
        return value.isoformat(), None
    if not isinstance(value, str):
        return None, f"not a date string ({type(value).__name__})"
    raw = " ".join(value.split())
    if not raw:
        return None, None
    for pat in _PATTERNS:
        m = pat.match(raw)
        if m is None:
            continue
        g = m.groupdict()
        year = int(g["year"])
        month = MONTHS[g["month"].lower()] if g.get("month") else int(g["m"])
        day = int(g["day"] if g.get("day") else g["d"])
        return _make(year, month, day)
    m = _SLASHED.match(raw)
    if m is not None:
        a, b, year = int(m["a"]), int(m["b"]), int(m["year"])
        if a > 12 and b <= 12:
            return _make(year, b, a)  # day/month/year
        if b > 12 and a <= 12:
            return _make(year, a, b)  # month/day/year
        if a == b:
            return _make(year, a, b)
        return None, "ambiguous day/month order (write it as YYYY-MM-DD)"
    return None, "unrecognised date format (expected e.g. 2016-09-28 or September 28, 2016)"


def period_of(iso_date: str | None, period: str) -> str | None:
    """The period an ISO date falls in: ``day`` 2016-09-28, ``week`` 2016-W39 (ISO week), ``month``
    2016-09, ``quarter`` 2016-Q3, ``year`` 2016; ``all`` is one period for everything; None for no date."""
    if period == "all":
        return "all"
    if not iso_date:
        return None
    if period == "month":
        return iso_date[:7]
    if period == "year":
        return iso_date[:4]
    if period == "day":
        return iso_date[:10]
    if period == "quarter":
        return f"{iso_date[:4]}-Q{(int(iso_date[5:7]) - 1) // 3 + 1}"
    if period == "week":
        y, w, _ = _dt.date.fromisoformat(iso_date[:10]).isocalendar()
        return f"{y}-W{w:02d}"
    raise ValueError(f"unknown period {period!r}")


PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "all")

__all__ = ["MONTHS", "PERIODS", "parse_date", "period_of"]
