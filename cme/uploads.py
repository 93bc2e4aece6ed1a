"""The one content check for uploaded files (上传图片 of a credit, 上传照片 of the profile).

Rules:
* A file is judged by its content, never by its name: JPEG or PNG (Pillow) or, where allowed, PDF.
* Images: the declared size is read before any pixel is decoded; more than MAX_PIXELS pixels (or
  Pillow's own DecompressionBombError/Warning) is refused with a Chinese message instead of
  crashing the page or costing hundreds of MB. An accepted image is decoded once, turned upright
  (EXIF orientation), downscaled to `max_side` and re-encoded (JPEG stays JPEG, PNG stays PNG): what
  is stored is small, carries no metadata (GPS in EXIF) and is what every later view shows.
* PDFs: `%PDF-` header and `%%EOF` trailer, not encrypted, and no active content: a PDF whose
  objects hold /JavaScript, /JS, /OpenAction, /AA (additional actions) or /Launch is refused.
  The objects are read with pypdf (a runtime dependency, already used to read PDFs), which decodes
  compressed object streams and `#xx` name escapes that a byte scan would miss; a file pypdf
  cannot parse is refused as damaged.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from cme.errors import ValidationError

MAX_PIXELS = 40_000_000  # e.g. 7300 × 5470; a 13000 × 13000 PNG would need 650 MB to decode
IMAGE_MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}
PDF_MIME = "application/pdf"
ACTIVE_PDF_KEYS = frozenset({"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch"})


@dataclass(frozen=True)
class CheckedFile:
    """What is stored: the (re-encoded) bytes and their MIME type."""

    data: bytes
    mime: str


def check_upload(data: bytes, *, field: str, max_bytes: int, max_side: int, allow_pdf: bool) -> CheckedFile:
    """The file to store, or ValidationError({field: reason in Chinese})."""
    kinds = "JPEG、PNG图片或PDF文件" if allow_pdf else "JPEG或PNG格式的图片"
    if not data:
        raise ValidationError({field: "文件为空"})
    if len(data) > max_bytes:
        noun = "文件" if allow_pdf else "照片"
        raise ValidationError({field: f"{noun}不能超过{max_bytes // (1024 * 1024)}MB"})
    if data.startswith(b"%PDF-"):
        if not allow_pdf:
            raise ValidationError({field: f"只能上传{kinds}"})
        check_pdf(data, field=field)
        return CheckedFile(data, PDF_MIME)
    return reencode_image(data, field=field, max_side=max_side, kinds=kinds)


def reencode_image(data: bytes, *, field: str, max_side: int, kinds: str = "JPEG或PNG格式的图片") -> CheckedFile:
    unreadable = ValidationError({field: f"只能上传{kinds}"})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                if fmt not in IMAGE_MIME:
                    raise unreadable
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise ValidationError({field: f"图片像素过大（{width}×{height}），请缩小到{MAX_PIXELS // 1_000_000}百万像素以内后上传"})
                if fmt == "JPEG":
                    img.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4, 1/8 scale when possible
                img.load()
                out = ImageOps.exif_transpose(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({field: f"图片像素过大，请缩小到{MAX_PIXELS // 1_000_000}百万像素以内后上传"}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise unreadable from None
    out.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    if fmt == "JPEG":
        out.convert("RGB").save(buf, "JPEG", quality=85, optimize=True)
    else:
        if out.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            out = out.convert("RGBA")
        out.save(buf, "PNG", optimize=True)
    return CheckedFile(buf.getvalue(), IMAGE_MIME[fmt])


def check_pdf(data: bytes, *, field: str) -> None:
    """Refuses a damaged, encrypted or active (JavaScript, auto-run action) PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    damaged = ValidationError({field: "PDF文件不完整或已损坏"})
    if b"%%EOF" not in data[-1024:]:
        raise damaged
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError({field: "不能上传加密的PDF文件"})
        if len(reader.pages) < 1:
            raise damaged
        active = _active_content(reader)
    except ValidationError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise damaged from None
    if active:
        raise ValidationError({field: f"PDF文件含有脚本或自动执行的动作（{active}），不能上传；请打印为普通PDF或拍照后上传"})


def _active_content(reader) -> str | None:
    """The first active-content key found in any object of the file (trailer included)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    def scan(obj, depth: int = 0) -> str | None:
        if depth > 50:
            return None
        if isinstance(obj, IndirectObject):
            return None  # every indirect object is visited on its own below
        if isinstance(obj, DictionaryObject):  # stream objects are dictionaries too
            for key, value in obj.items():
                if key in ACTIVE_PDF_KEYS:
                    return key
                if isinstance(value, NameObject) and value in ACTIVE_PDF_KEYS:
                    return str(value)
                if found := scan(value, depth + 1):
                    return found
        elif isinstance(obj, ArrayObject):
            for value in obj:
                if found := scan(value, depth + 1):
                    return found
        return None

    if found := scan(reader.trailer):
        return found
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    for num, gen in sorted(numbers):
        try:
            obj = reader.get_object(IndirectObject(num, gen, reader))
        except Exception:  # noqa: BLE001 - one unreadable object is not active content
            continue
        if found := scan(obj):
            return found
    return None
