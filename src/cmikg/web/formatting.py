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
        return f"{year - year % 10}s"
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
