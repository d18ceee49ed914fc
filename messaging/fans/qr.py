"""The QR code of a list's sign-up page (segno), to print or show at gigs."""

import io

import segno


def qr_svg(url: str, *, title: str = "") -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, title=title or None)
    return out.getvalue()


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=12, border=2)
    return out.getvalue()
