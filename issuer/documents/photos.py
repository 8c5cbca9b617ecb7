"""Check a holder's photo before it is stored or printed: a pure function that returns every problem.

Rules (``docs/rules.md``, "Holder photos"): JPEG or PNG **by content** (the file's signature and a full
decode, never its name), at most ``MAX_BYTES``, portrait within the pixel bounds below, RGB or greyscale.
The result is a list of :class:`PhotoProblem` with a stable ``code`` and Chinese and English messages, so
an upload can report each row's photo precisely; an empty list means the photo is fine.
"""

from __future__ import annotations

import io
import warnings
from typing import Final

import msgspec
from PIL import Image, UnidentifiedImageError

MAX_BYTES: Final = 200 * 1024
MIN_WIDTH: Final = 150
MIN_HEIGHT: Final = 200
MAX_WIDTH: Final = 2000
MAX_HEIGHT: Final = 2500
#: width / height: a 33 × 48 mm photo is 0.69, an ID-card photo (358 × 441 px) 0.81; some slack either way.
MIN_ASPECT: Final = 0.6
MAX_ASPECT: Final = 0.9
_SIGNATURES: Final = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}


class PhotoProblem(msgspec.Struct, frozen=True, kw_only=True):
    """One reason a photo cannot be used."""

    code: str
    message_zh: str
    message_en: str


def _problem(code: str, zh: str, en: str) -> PhotoProblem:
    return PhotoProblem(code=code, message_zh=zh, message_en=en)


def _kind(data: bytes) -> str | None:
    return next((kind for magic, kind in _SIGNATURES.items() if data.startswith(magic)), None)


def _pixels(image: Image.Image) -> list[PhotoProblem]:
    width, height = image.size
    problems = []
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        problems.append(_problem("photo.too_small", f"照片过小（{width}×{height} 像素，至少 {MIN_WIDTH}×{MIN_HEIGHT}）",
                                 f"photo is {width}×{height} px; at least {MIN_WIDTH}×{MIN_HEIGHT}"))  # fmt: skip
    if width > MAX_WIDTH or height > MAX_HEIGHT:
        zh = f"照片像素过大（{width}×{height}，至多 {MAX_WIDTH}×{MAX_HEIGHT}）"
        problems.append(_problem("photo.too_large_pixels", zh,
                                 f"photo is {width}×{height} px; at most {MAX_WIDTH}×{MAX_HEIGHT}"))  # fmt: skip
    aspect = width / height if height else 0.0
    if not MIN_ASPECT <= aspect <= MAX_ASPECT:
        zh = f"照片应为竖幅证件照（宽高比 {aspect:.2f}，应在 {MIN_ASPECT}–{MAX_ASPECT}）"
        problems.append(_problem("photo.aspect", zh,
                                 f"photo must be a portrait ID photo: width/height {aspect:.2f}, "
                                 f"expected {MIN_ASPECT}-{MAX_ASPECT}"))  # fmt: skip
    if image.mode not in ("RGB", "L", "RGBA", "LA", "P"):
        problems.append(_problem("photo.color_mode", f"照片颜色模式 {image.mode} 不支持，请用 RGB 彩色或灰度",
                                 f"photo colour mode {image.mode} is not supported; use RGB or greyscale"))  # fmt: skip
    return problems


def check_photo(data: bytes) -> list[PhotoProblem]:
    """Every problem of ``data`` as a holder photo (empty: usable). Never raises on bad bytes."""
    if not data:
        return [_problem("photo.empty", "照片文件为空", "photo file is empty")]
    problems = []
    if len(data) > MAX_BYTES:
        problems.append(_problem("photo.too_large", f"照片超过 {MAX_BYTES // 1024} KB（{len(data) // 1024} KB）",
                                 f"photo is {len(data) // 1024} KB; at most {MAX_BYTES // 1024} KB"))  # fmt: skip
    kind = _kind(data)
    if kind is None:
        return [*problems, _problem("photo.type", "照片须为 JPEG 或 PNG 图像（按文件内容判断）",
                                    "photo must be a JPEG or PNG image (judged by its content)")]  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                problems += _pixels(image)
                if not any(p.code == "photo.too_large_pixels" for p in problems):
                    image.load()  # a full decode: a truncated or damaged file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):  # fmt: skip
        problems.append(_problem("photo.corrupt", f"照片文件已损坏，无法读取（{kind}）",
                                 f"photo cannot be decoded: damaged or truncated {kind}"))  # fmt: skip
    return problems
