"""The visible AI label as an RGBA uint8 image: white "AI生成" on a translucent dark plate.

`render_label(height_px)` draws it with Pillow in the first CJK font found (Noto Sans CJK or
WenQuanYi under /usr/share/fonts, else whatever `fc-match :lang=zh` names). It is the one
drawing of the label: `generation.labels` blends this same picture on the CPU, and the
review app's label check looks for it.

Without any CJK font Pillow's built-in bitmap font is used: "AI" comes out readable but
"生成" is drawn as that font's missing-glyph boxes. The plate and its size stay the same, so
the label is still visible and detectable; install fonts-noto-cjk for the real text.
The result is deterministic for a given font file and height (cached).
"""

import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

VISIBLE_TEXT = "AI生成"
FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]


@lru_cache(maxsize=1)
def font_path() -> str | None:
    """The CJK font the label is drawn with, or None (fallback font, see module doc)."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True,
            timeout=5,
        ).stdout.strip()
        return found or None
    except (OSError, subprocess.SubprocessError):
        return None


@lru_cache(maxsize=16)
def label_array(height: int) -> np.ndarray:
    """The label `height` pixels tall as a read-only uint8 RGBA array h×w×4 (cached)."""
    from PIL import Image, ImageDraw, ImageFont

    size = max(6, int(height * 0.7))
    path = font_path()
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), VISIBLE_TEXT, font=font)
    pad = max(1, height // 6)
    plate = Image.new("RGBA", (right - left + 2 * pad, height), (0, 0, 0, 150))
    ImageDraw.Draw(plate).text(
        (pad - left, (height - (bottom - top)) // 2 - top), VISIBLE_TEXT, font=font,
        fill=(255, 255, 255, 255),
    )
    array = np.asarray(plate, dtype=np.uint8).copy()
    array.setflags(write=False)
    return array


def render_label(height_px: int) -> torch.Tensor:
    """The label `height_px` pixels tall as a uint8 RGBA tensor h×w×4 (CPU, a fresh copy)."""
    if height_px < 1:
        raise ValueError("label height must be at least 1 pixel")
    return torch.from_numpy(label_array(int(height_px)).copy())
