"""QR codes as PNG: certificate verification links and sign-in links."""
from __future__ import annotations

from io import BytesIO

import qrcode
from qrcode.image.pil import PilImage


def qr_png(data: str, *, box_size: int = 8) -> bytes:
    """A black-on-white QR (error correction M, 2-module border) of `data`."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    qr.add_data(data)
    qr.make(fit=True)
    buf = BytesIO()
    qr.make_image(image_factory=PilImage, fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()
