"""Pillow work, free of Flask: checking and preparing an upload, drawing the default card.

An upload is opened from its bytes (never trusting its name or declared type), its pixel
count is checked before anything is decoded, `verify()` reads it through once, then it is
reopened, decoded, turned upright by its EXIF orientation and cropped to 1200x630. The
result is written afresh as JPEG, so no metadata (EXIF, GPS, comments) survives.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

SIZE = (1200, 630)
# The decoders tried (nothing else is even identified), and the file name endings each
# format may have; Pillow reads a phone's multi-picture JPEG as MPO.
FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = {"JPEG": ("jpg", "jpeg"), "MPO": ("jpg", "jpeg"), "PNG": ("png",), "WEBP": ("webp",)}
FONTS = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"
MESSAGES = {
    "type": _l("Choose a JPEG, PNG or WebP image."),
    "unreadable": _l("This file is not an image we can read, or it is damaged."),
    "mismatch": _l("The file's name ends in .%(extension)s, but it holds a %(format)s image."),
    "pixels": _l("The image is too large: at most %(limit)s million pixels, please."),
    "small": _l("The image is too small: at least 600 × 315 pixels, please."),
}


class ImageRejected(ValueError):
    """An upload that is not an image we accept; str() says why, for the organiser."""


@dataclass(frozen=True)
class Prepared:
    """An upload ready to store."""

    data: bytes
    content_type: str


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """The image's header, with its pixel count checked before anything is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected(
                str(MESSAGES["pixels"] % {"limit": max_pixels // 1_000_000})
            ) from error
        except (UnidentifiedImageError, OSError, ValueError) as error:
            raise ImageRejected(str(MESSAGES["unreadable"])) from error
    if image.width * image.height > max_pixels:
        raise ImageRejected(str(MESSAGES["pixels"] % {"limit": max_pixels // 1_000_000}))
    return image


def _decoded(data: bytes, max_pixels: int) -> Image.Image:
    """The whole image, checked by verify() and then decoded afresh (verify spends it)."""
    try:
        _open(data, max_pixels).verify()
        image = _open(data, max_pixels)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except ImageRejected:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(str(MESSAGES["unreadable"])) from error
    return image


def prepare_upload(data: bytes, filename: str, *, max_pixels: int) -> Prepared:
    """The upload as a 1200x630 JPEG without metadata, or ImageRejected."""
    extension = _extension(filename)
    if extension not in {e for extensions in EXTENSIONS.values() for e in extensions}:
        raise ImageRejected(str(MESSAGES["type"]))
    image = _decoded(data, max_pixels)
    if extension not in EXTENSIONS.get(image.format, ()):
        raise ImageRejected(
            str(MESSAGES["mismatch"] % {"extension": extension, "format": image.format})
        )
    upright = ImageOps.exif_transpose(image)
    if upright.width < SIZE[0] // 2 or upright.height < SIZE[1] // 2:
        raise ImageRejected(str(MESSAGES["small"]))
    try:
        fitted = ImageOps.fit(_flat_rgb(upright), SIZE, Image.Resampling.LANCZOS)
    except (OSError, ValueError) as error:  # a pixel format Pillow cannot convert
        raise ImageRejected(str(MESSAGES["unreadable"])) from error
    out = io.BytesIO()
    fitted.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return Prepared(out.getvalue(), "image/jpeg")


def _flat_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        return flat
    return image.convert("RGB")


@dataclass(frozen=True)
class CardText:
    """What the generated card says, already in the page's language."""

    title: str
    kind: str
    when: str
    place: str
    site: str


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def _title_lines(title: str, font: ImageFont.FreeTypeFont, width: int, most: int = 3) -> list[str]:
    """The title wrapped to `width` pixels, at most `most` lines (the last one cut with …)."""
    words_per_line = max(int(width / font.getlength("n")), 8)
    for chars in range(words_per_line, 7, -2):
        lines = textwrap.wrap(title, chars, break_long_words=True) or [""]
        if all(font.getlength(line) <= width for line in lines):
            break
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1].rstrip()[: max(chars - 1, 1)] + "…"
    return lines


def card(text: CardText) -> bytes:
    """A 1200x630 PNG: kind, title, date and time, place, on Convene's colours."""
    image = Image.new("RGB", SIZE, "#0b5cad")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 560, SIZE[0], SIZE[1]), fill="#1c2430")
    draw.text((72, 64), text.kind.upper(), font=_font(True, 34), fill="#ffbf47")
    title_font = _font(True, 64)
    y = 128
    for line in _title_lines(text.title, title_font, SIZE[0] - 144):
        draw.text((72, y), line, font=title_font, fill="#ffffff")
        y += 80
    draw.text((72, 400), text.when, font=_font(False, 36), fill="#ffffff")
    draw.text((72, 452), text.place, font=_font(False, 36), fill="#dbe7f5")
    draw.text((72, 576), text.site, font=_font(True, 30), fill="#ffffff")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
