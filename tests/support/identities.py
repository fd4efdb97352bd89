"""Identities and portraits for tests: valid ID numbers and a photo a provider can read."""

from __future__ import annotations

import io

from PIL import Image

from realname.idcard import check_character


def valid_id(first17: str) -> str:
    return first17 + check_character(first17)


def portrait_png(size: tuple[int, int] = (320, 400)) -> bytes:
    image = Image.effect_noise(size, 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
