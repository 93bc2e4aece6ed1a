"""Uploads (cme.uploads): decompression bombs and oversized images refused with a message, accepted
images re-encoded and downscaled once, PDFs with JavaScript or auto-run actions refused."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from cme.errors import ValidationError
from cme.profile.changes import check_photo
from cme.storage import check_proof
from tests.factories import minimal_pdf


def declared_png(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares width × height pixels (what a decompression bomb does)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def picture(fmt: str, size=(3000, 2000), **save) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buf, fmt, **save)
    return buf.getvalue()


@pytest.mark.parametrize("size", [(30000, 30000), (13000, 13000), (100_000, 1000)])
def test_images_over_the_pixel_limit_are_refused_with_a_message(size):
    for check, field in ((check_proof, "上传图片"), (check_photo, "上传照片")):
        with pytest.raises(ValidationError) as e:
            check(declared_png(*size))
        assert "图片像素过大" in e.value.errors[field]


def test_accepted_images_are_reencoded_downscaled_and_stripped_of_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    original = picture("JPEG", exif=exif.tobytes())
    proof = check_proof(original)
    with Image.open(io.BytesIO(proof.data)) as img:
        assert proof.mime == "image/jpeg" and img.format == "JPEG"
        assert max(img.size) == 2400 and img.size[1] > img.size[0]  # downscaled, turned upright
        assert not img.getexif()  # no EXIF (GPS, device) kept
    photo = check_photo(picture("PNG"))
    with Image.open(io.BytesIO(photo.data)) as img:
        assert photo.mime == "image/png" and max(img.size) == 800


def test_a_photo_cannot_be_a_pdf():
    with pytest.raises(ValidationError, match="只能上传JPEG或PNG格式的图片"):
        check_photo(minimal_pdf())


@pytest.mark.parametrize("pdf,key", [
    (minimal_pdf("/OpenAction 4 0 R", ("<< /S /JavaScript /JS (app.alert(1)) >>",)), "/OpenAction"),
    (minimal_pdf("/Names << /J#61vaScript 4 0 R >>", ("<< /Names [(a) 5 0 R] >>", "<< /S /Launch /F (calc.exe) >>")),
     "/JavaScript"),
    (minimal_pdf(page_extra="/AA << /O << /S /JavaScript /JS (this.print()) >> >>"), "/AA"),
    (minimal_pdf(page_extra="/Annots [4 0 R]", extra_objects=(
        "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /JavaScript /JS (x) >> >>",)), "/JavaScript"),
])
def test_pdfs_with_scripts_or_auto_run_actions_are_refused(pdf, key):
    with pytest.raises(ValidationError) as e:
        check_proof(pdf)
    assert f"PDF文件含有脚本或自动执行的动作（{key}）" in e.value.errors["上传图片"]


def test_a_plain_pdf_is_kept_as_sent_and_a_broken_one_is_refused():
    pdf = minimal_pdf()
    assert check_proof(pdf).data == pdf and check_proof(pdf).mime == "application/pdf"
    with pytest.raises(ValidationError, match="PDF文件不完整或已损坏"):
        check_proof(b"%PDF-1.4\n garbage\n%%EOF\n")
