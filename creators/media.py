"""Checks of uploaded media by their content (PyAV, Pillow), and the probe's extractions."""

import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from django.utils.translation import gettext as _
from PIL import Image

from creators import conf

# The ISO base media family as libavformat names it; anything else is not an MP4.
MP4_FORMATS = {"mov,mp4,m4a,3gp,3g2,mj2", "mp4", "mov"}
# The image formats accepted, and the suffix a stored one gets (never the name it came with).
IMAGE_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
IMAGE_FORMATS = set(IMAGE_SUFFIXES)
DECODE_CHECK_FRAMES = 12


class MediaRefused(Exception):
    """The file is not acceptable; the message is the reason shown to the creator."""


@dataclass
class VideoFacts:
    duration: Fraction
    width: int
    height: int
    fps: Fraction
    codec: str


def _open(path: Path):
    try:
        # The stream's parameters are read without decoding a frame (FFmpeg decodes a few
        # to fill them in otherwise), so no picture is decoded before its size is checked.
        return av.open(str(path), metadata_errors="ignore", options={"skip_frame": "all"})
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        raise MediaRefused(_("This file is not a video we can read (corrupt or unknown format)."))


def video_facts(path: Path, rules=None) -> VideoFacts:
    """Reads the real container and stream; raises MediaRefused for anything unreadable,
    too large to decode or cut short. `rules` (check_video's) judge the header's facts
    before a frame is decoded; whatever the rules, nothing over 1080×1920 is decoded."""
    container = _open(path)
    with container:
        if container.format.name not in MP4_FORMATS:
            raise MediaRefused(
                _("The file is a %(format)s container, not MP4, whatever its name says.")
                % {"format": container.format.long_name or container.format.name}
            )
        if not container.streams.video:
            raise MediaRefused(_("The file has no video stream."))
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base:
            duration = Fraction(stream.duration) * stream.time_base
        elif container.duration is not None:
            duration = Fraction(container.duration, av.time_base)
        else:
            raise MediaRefused(_("The video's duration cannot be read."))
        fps = Fraction(stream.average_rate or stream.guessed_rate or 0)
        facts = VideoFacts(duration, stream.width, stream.height, fps, stream.codec_context.name)
        if rules is not None:
            rules(facts)
        _check_decodable_size(facts.width, facts.height)
        _check_first_frames_decode(container, stream)
        _check_complete(container, stream, Path(path).stat().st_size, facts)
    return facts


def _check_decodable_size(width: int, height: int) -> None:
    if not width or not height:
        raise MediaRefused(_("The video has no picture size."))
    if width > conf.VIDEO_MAX_WIDTH or height > conf.VIDEO_MAX_HEIGHT:
        raise MediaRefused(
            _("The video is %(w)s×%(h)s; the largest allowed is 1080×1920.")
            % {"w": width, "h": height}
        )


def _check_first_frames_decode(container, stream) -> None:
    decoded = 0
    try:
        for frame in container.decode(stream):
            # A stream may change its size after the header: judge each picture too.
            _check_decodable_size(frame.width, frame.height)
            frame.to_ndarray(format="rgb24")
            decoded += 1
            if decoded >= DECODE_CHECK_FRAMES:
                break
    except (av.FFmpegError, ValueError):
        decoded = 0
    if decoded == 0:
        raise MediaRefused(_("The video does not decode: the file is corrupt."))


def _check_complete(container, stream, file_size: int, facts: VideoFacts) -> None:
    """Refuses a file cut short. With the index (moov) ahead of the pictures, as streaming
    exports write it, a cut keeps the header and its full duration, and the first frames
    still decode. Demuxes from the last keyframe on, decoding one frame: every sample must
    lie whole inside the file, and the last must reach the duration the header claims."""
    incomplete = MediaRefused(
        _("The video is incomplete: the file ends before its last frames (corrupt or cut "
          "short)."))
    time_base = stream.time_base or Fraction(1, av.time_base)
    start = Fraction(stream.start_time or 0) * time_base
    end = start + facts.duration
    # Up to a frame and a half of slack: the header and the samples may round differently.
    slack = Fraction(1, 2) + (1 / facts.fps if facts.fps else 0)
    last_end, decoded = None, False
    try:
        container.seek(int(end / time_base), stream=stream, backward=True)
        for packet in container.demux(stream):
            if packet.size == 0:
                continue  # the demuxer's end-of-stream marker
            if packet.is_corrupt or (packet.pos or 0) + packet.size > file_size:
                raise incomplete
            if packet.pts is not None:
                packet_end = (packet.pts + (packet.duration or 0)) * time_base
                last_end = packet_end if last_end is None else max(last_end, packet_end)
            if not decoded:
                decoded = bool(stream.codec_context.decode(packet))
        if not decoded:
            decoded = bool(stream.codec_context.decode(None))
    except av.FFmpegError:
        raise incomplete
    if not decoded or last_end is None or last_end < end - slack:
        raise incomplete


def check_video(path: Path) -> VideoFacts:
    return video_facts(path, rules=_check_upload_rules)


def _check_upload_rules(facts: VideoFacts) -> None:
    if not facts.width or not facts.height:
        raise MediaRefused(_("The video has no picture size."))
    ratio = Fraction(facts.width, facts.height) / Fraction(9, 16)
    if abs(float(ratio) - 1) > conf.ASPECT_TOLERANCE:
        raise MediaRefused(
            _("The video is %(w)s×%(h)s; it must be vertical 9:16 (within 2 %%).")
            % {"w": facts.width, "h": facts.height}
        )
    seconds = float(facts.duration)
    if seconds < conf.VIDEO_MIN_SECONDS or seconds > conf.VIDEO_MAX_SECONDS:
        raise MediaRefused(
            _("The video lasts %(s).1f s; it must last between 30 seconds and 5 minutes.")
            % {"s": seconds}
        )
    _check_decodable_size(facts.width, facts.height)
    if facts.fps > conf.VIDEO_MAX_FPS:
        raise MediaRefused(
            _("The video runs at %(fps).1f frames per second; the most allowed is 60.")
            % {"fps": float(facts.fps)}
        )


def check_image(path: Path) -> str:
    """Returns the image's format; refuses non-images and decompression bombs before
    decoding a single pixel, then decodes it fully."""
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below decides, with a clearer message than Pillow's.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
        with img:
            width, height = img.size
            if width * height > conf.IMAGE_MAX_PIXELS:
                raise MediaRefused(
                    _("The image is %(w)s×%(h)s pixels, more than we accept (a "
                      "decompression bomb?).") % {"w": width, "h": height}
                )
            if img.format not in IMAGE_FORMATS:
                raise MediaRefused(_("The image must be JPEG, PNG or WebP."))
            image_format = img.format
            img.verify()
        with Image.open(path) as img:
            img.load()
    except MediaRefused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise MediaRefused(_("This file is not an image we can read (corrupt or unknown)."))
    return image_format


def extract_poster(path: Path, out: Path, at_seconds: float = 1.0) -> None:
    """Saves the first frame at or after `at_seconds` as a JPEG."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is not None and frame.time >= at_seconds:
                break
        if chosen is None:
            raise MediaRefused(_("The video does not decode: the file is corrupt."))
        chosen.to_image().convert("RGB").save(out, "JPEG", quality=85)


def encode_preview(path: Path, out: Path, seconds: int = conf.PREVIEW_SECONDS,
                   on_frame=None) -> None:
    """A short, small H.264 MP4 of the opening seconds (the hook) for lists and review."""
    with av.open(str(path)) as src, av.open(str(out), "w", format="mp4") as dst:
        stream = src.streams.video[0]
        rate = stream.average_rate or Fraction(24)
        width = min(stream.width, 360) // 2 * 2
        height = max(2, round(width * stream.height / stream.width) // 2 * 2)
        enc = dst.add_stream("libx264", rate=rate)
        enc.width, enc.height, enc.pix_fmt = width, height, "yuv420p"
        enc.options = {"preset": "veryfast", "crf": "30"}
        total = max(1, int(float(rate) * seconds))
        for n, frame in enumerate(src.decode(stream)):
            if n >= total:
                break
            small = frame.reformat(width=width, height=height, format="yuv420p")
            small.pts = None
            for packet in enc.encode(small):
                dst.mux(packet)
            if on_frame:
                on_frame(n + 1, total)
        for packet in enc.encode():
            dst.mux(packet)
