"""QR codes for invite links, as PNG bytes (for posters and meetings)."""

from __future__ import annotations

import io


def qr_png(text: str, box_size: int = 10) -> bytes:
    """A QR code for ``text`` as a PNG image (qrcode and Pillow load on first use, not at start)."""
    import qrcode
    from qrcode.image.pil import PilImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage).save(buffer, format="PNG")
    return buffer.getvalue()
