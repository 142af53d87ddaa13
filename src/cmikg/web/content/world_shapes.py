"""Country outlines for the map: Natural Earth boundaries from ``world-atlas``, as SVG paths.

The map is drawn on the server, so the browser needs no map library and no tile server.
``world-atlas`` (npm, ISC licence; its data is Natural Earth's, in the public domain) ships
TopoJSON; set-up (``quickstart.sh``) installs it and this module converts it once into
``static/world/countries.json``: one SVG path per ISO 3166-1 alpha-3 code, already
projected (Natural Earth I projection) into a 960 × 500 box and rounded to whole units (a
pixel at most on a laptop screen). The 1:110m outlines are used; a country too small to appear at that scale (Andorra,
Kiribati, Nauru, Tuvalu…) is placed from its 1:10m outline and flagged ``small``: the map
marks it with a dot a reader can click, as its outline would be under a pixel.

Run ``python -m cmikg.web.content.world_shapes NODE_MODULES/world-atlas`` to regenerate it;
a test checks the shipped file is exactly what the converter produces.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

#: Where the converted outlines are shipped (served too, at /assets/world/countries.json).
SHIPPED = Path(__file__).resolve().parents[2] / "static" / "world" / "countries.json"
#: ISO 3166-1 numeric → alpha-3, from Debian's iso-codes package.
ISO_CODES = Path("/usr/share/iso-codes/json/iso_3166-1.json")
WIDTH, HEIGHT = 960.0, 500.0
#: Natural Earth I spans x in ±2.7333 and y in ±1.4224 for the whole sphere.
_X_SPAN, _Y_SPAN = 2.7333, 1.4224
#: The map stops short of Antarctica, which no mission reached.
SOUTH_LIMIT = -60.0
LEFT_OUT = ("ATA",)

Point = tuple[float, float]


def natural_earth(lon: float, lat: float) -> Point:
    """The Natural Earth I projection (Šavrič, Jenny, Patterson & Jenny 2011), scaled to the box."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.870700 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)))
    y = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))
    return (x / _X_SPAN + 1) * WIDTH / 2, (1 - y / _Y_SPAN) * HEIGHT / 2


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Every arc as longitude/latitude points (TopoJSON stores them quantised and delta-encoded)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A closed ring from its arcs; a negative index ``~i`` is arc ``i`` reversed."""
    points: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def unwrap(points: list[Point]) -> list[Point]:
    """A ring made continuous across the antimeridian (longitudes may leave ±180 by a little)."""
    out: list[Point] = []
    shift = 0.0
    for lon, lat in points:
        if out and abs(lon + shift - out[-1][0]) > 180:
            shift += 360 if out[-1][0] > lon + shift else -360
        out.append((lon + shift, lat))
    return out


def copies(points: list[Point]) -> list[list[Point]]:
    """The ring, and for a ring reaching past ±180 its copy on the map's other edge."""
    ring_ = unwrap(points)
    lons = [lon for lon, _ in ring_]
    shifted = []
    if max(lons) > 180:
        shifted.append([(lon - 360, lat) for lon, lat in ring_])
    if min(lons) < -180:
        shifted.append([(lon + 360, lat) for lon, lat in ring_])
    return [ring_, *shifted]


def svg_ring(points: list[Point]) -> str:
    """One projected ring as path data, rounded, repeated points dropped; "" when degenerate."""
    rounded: list[tuple[float, float]] = []
    for lon, lat in points:
        x, y = natural_earth(lon, lat)
        here = (round(x), round(y))
        if not rounded or rounded[-1] != here:
            rounded.append(here)
    return "M" + "L".join(f"{x:g},{y:g}" for x, y in rounded) + "Z" if len(rounded) >= 3 else ""


def path_of(polygons: list[list[list[int]]], arcs: list[list[Point]]) -> str:
    """SVG path data for a MultiPolygon's rings (the parts south of the map's edge left out)."""
    parts = []
    for polygon in polygons:
        for indices in polygon:
            points = [(lon, lat) for lon, lat in ring(indices, arcs) if lat >= SOUTH_LIMIT]
            parts += [svg_ring(copy) for copy in copies(points)] if points else []
    return "".join(parts)


def centre(polygons: list[list[list[int]]], arcs: list[list[Point]]) -> Point:
    """The projected middle of the ring with most points: where a small country's dot goes."""
    rings = [ring(indices, arcs) for polygon in polygons for indices in polygon]
    projected = [natural_earth(lon, lat) for lon, lat in max(rings, key=len)]
    xs, ys = [x for x, _ in projected], [y for _, y in projected]
    return round((min(xs) + max(xs)) / 2, 1), round((min(ys) + max(ys)) / 2, 1)


def shapes(topology: dict, numeric_to_alpha3: dict[str, str]) -> dict[str, dict]:
    """alpha-3 → {"name", "d", "centre"} for every country of a world-atlas ``countries`` topology
    (``d`` is empty for a country smaller than the rounding)."""
    arcs = decode_arcs(topology)
    found: dict[str, dict] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = numeric_to_alpha3.get(geometry.get("id", ""))
        if code in (None, *LEFT_OUT) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        entry = found.setdefault(code, {"name": geometry["properties"]["name"], "d": "", "centre": None})
        entry["d"] += path_of(polygons, arcs)
        entry["centre"] = entry["centre"] or list(centre(polygons, arcs))
    return found


def convert(atlas: Path, iso_codes: Path = ISO_CODES) -> dict:
    """The shipped document: 1:110m outlines, 1:10m for countries missing at that scale."""
    table = json.loads(iso_codes.read_text(encoding="utf-8"))["3166-1"]
    numeric = {row["numeric"]: row["alpha_3"] for row in table if "numeric" in row}
    coarse = shapes(json.loads((atlas / "countries-110m.json").read_text(encoding="utf-8")), numeric)
    fine = shapes(json.loads((atlas / "countries-10m.json").read_text(encoding="utf-8")), numeric)
    countries = {code: {"name": e["name"], "d": e["d"]} for code, e in coarse.items() if e["d"]}
    for code, entry in fine.items():
        if code not in countries:
            countries[code] = {"name": entry["name"], "small": True, "centre": entry["centre"]}
    version = json.loads((atlas / "package.json").read_text(encoding="utf-8")).get("version", "")
    return {
        "source": f"world-atlas {version} (Natural Earth 1:110m and 1:10m admin 0 countries)",
        "licence": "Natural Earth: public domain; world-atlas: ISC licence (see LICENCE.txt beside this file)",
        "projection": "Natural Earth I",
        "viewBox": view_box(),
        "countries": dict(sorted(countries.items())),
    }


def view_box() -> list[float]:
    """The box the outlines fill: the whole width, from the Arctic coasts to 60° south."""
    top, bottom = natural_earth(0, 84)[1], natural_earth(0, SOUTH_LIMIT)[1]
    return [0, math.floor(top), WIDTH, math.ceil(bottom) - math.floor(top)]


def serialise(document: dict) -> str:
    """One country per line: small diffs when the atlas changes."""
    head = {k: v for k, v in document.items() if k != "countries"}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "countries": {']
    items = list(document["countries"].items())
    for index, (code, entry) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"{json.dumps(code)}: {json.dumps(entry, ensure_ascii=False)}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not (Path(argv[0]) / "countries-110m.json").is_file():
        print("usage: python -m cmikg.web.content.world_shapes NODE_MODULES/world-atlas", file=sys.stderr)
        return 2
    SHIPPED.parent.mkdir(parents=True, exist_ok=True)
    SHIPPED.write_text(serialise(convert(Path(argv[0]))), encoding="utf-8")
    print(f"wrote {SHIPPED} ({SHIPPED.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
