"""Numbers and dates as a reader expects them: 42,000; November 2019; the 1960s.

Dates in the graph are xsd:dateTime values written as Wikidata writes them (the first
instant of the year when only the year is known), so a date is only ever printed to the
precision its node declares: "2007", not "1 January 2007".
"""

from __future__ import annotations

import calendar
import re
from decimal import Decimal

from cmikg.web.content.vocabulary import PRECISION_DECADE, PRECISION_MONTH, PRECISION_YEAR

_DATE = re.compile(r"^(-?\d{1,6})-(\d{2})-(\d{2})")


def number(value: Decimal | int | float | None) -> str:
    """42000 → "42,000"; 30.8 → "30.8"; None → ""."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def figure_text(hedge: str, value: float | None, low: float | None, high: float | None, kind: str) -> str:
    """A figure with its hedge as the source words it: "more than 30,000", "7,000–8,000"."""
    if low is not None and high is not None:
        return f"{number(Decimal(str(low)))}–{number(Decimal(str(high)))}"
    if value is None:
        return ""
    return f"{hedge + ' ' if kind != 'exact' else ''}{number(Decimal(str(value)))}"


def date_parts(iso: str) -> tuple[int, int, int] | None:
    found = _DATE.match(iso or "")
    if not found:
        return None
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


def when(iso: str, precision: int = PRECISION_YEAR) -> str:
    """An xsd:dateTime printed to its precision: "1960s", "2007", "November 2019", "12 January 2017"."""
    parts = date_parts(iso)
    if parts is None:
        return iso or ""
    year, month, day = parts
    if precision <= PRECISION_DECADE:
        return f"the {year - year % 10}s"
    if precision == PRECISION_YEAR:
        return str(year)
    month_name = calendar.month_name[month] if 1 <= month <= 12 else ""
    if precision == PRECISION_MONTH:
        return f"{month_name} {year}".strip()
    return f"{day} {month_name} {year}".strip()


def decimal_year(iso: str) -> float | None:
    """2019-11-01 → 2019.83: where a date sits on a chart's time axis."""
    parts = date_parts(iso)
    if parts is None:
        return None
    year, month, day = parts
    return year + (max(month, 1) - 1) / 12 + (max(day, 1) - 1) / 365


def size(count: int) -> str:
    """926079 → "904 KB": file sizes in binary kilobytes and megabytes, as download tables show them."""
    for unit, scale in (("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}" if count < 10 * scale else f"{count // scale:,} {unit}"
    return f"{count:,} bytes"


_EDTF_DATE = re.compile(
    r"^(?P<year>-?\d{1,4}|\d{2,3}X{1,2})(?:-(?P<month>\d{2}))?(?:-(?P<day>\d{2}))?(?P<hedge>[~?%]?)$"
)
_HEDGED = {"~": "about ", "?": "perhaps ", "%": "perhaps about "}


def edtf_date(value: str) -> str | None:
    """One EDTF date as people write it: "2010", "January 2010", "the 1960s", "about 2020"."""
    found = _EDTF_DATE.match(value.strip())
    if not found:
        return None
    year, month, day = found.group("year"), found.group("month"), found.group("day")
    if "X" in year:
        digits = year.rstrip("X")
        span = 10 ** (4 - len(digits))
        text = f"the {int(digits) * span}s"
    elif month and 1 <= int(month) <= 12:
        name = calendar.month_name[int(month)]
        text = f"{int(day)} {name} {year}" if day else f"{name} {year}"
    else:
        text = year
    return _HEDGED.get(found.group("hedge"), "") + text


def edtf_phrase(value: str) -> str | None:
    """An EDTF date or interval as a sentence fragment: "between 1966 and 1974", "by 2017",
    "from 1998 on"; None when the value is not one this reads (the caller falls back)."""
    if "/" not in value:
        return edtf_date(value)
    start, _, end = value.partition("/")
    first = edtf_date(start) if start not in ("", "..") else ""
    last = edtf_date(end) if end not in ("", "..") else ""
    if first is None or last is None or not (first or last):
        return None
    if first and last:
        return f"between {first} and {last}"
    return f"from {first} on" if first else f"by {last}"


def period(point: str, start: str, end: str, precision: int, edtf: str = "") -> str:
    """A claim's or entity's time as a historian writes it, from its EDTF when it has one."""
    if edtf and (phrase := edtf_phrase(edtf)):
        return phrase
    if point:
        return when(point, precision)
    if start and end:
        return f"between {when(start, precision)} and {when(end, precision)}"
    if start:
        return f"from {when(start, precision)} on"
    if end:
        return f"by {when(end, precision)}"
    return ""
