"""DOT text -> svg/png/pdf bytes: the only code in Counterpoint that starts a process.

We run `dot` ourselves rather than through the graphviz package's pipe(), which takes no
time limit and no environment, and we need both: a dense graph can keep `dot` busy for
minutes, and `dot` reads files named in a drawing (image=, shapefile=, <IMG SRC>) unless the
environment variable SERVER_NAME is set.
"""

import logging
import os
import re
import subprocess

from django.conf import settings

# Output formats: what dot is asked for, and the media type served. "dot" is the DOT text
# itself and never runs Graphviz.
FORMATS = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
}

# A4 landscape, and the part of it inside the margins.
PDF_PAGE = (11.69, 8.27)
PDF_MARGIN = 0.5
# A PNG's cost follows its pixels: a wide 200-box map at Graphviz's default size takes
# seconds. The drawing is at most 27 inches wide (dot.MAP_INCHES); at 144 dpi that is
# 3888 px, drawn in a fraction of a second and still sharp on a projector.
PNG_DPI = 144


logger = logging.getLogger("counterpoint.maps")


class RenderError(Exception):
    """Graphviz is missing, too slow, or failed; the message is fit to show a user."""


def _run_dot(dot_text: str, fmt: str) -> bytes:
    """The one place that runs Graphviz."""
    # SERVER_NAME makes Graphviz refuse all file access; PATH alone lets it find its plugins.
    env = {"SERVER_NAME": "counterpoint", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    try:
        result = subprocess.run(
            [settings.DOT_BINARY, f"-T{fmt}"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=settings.MAP_RENDER_TIMEOUT,
            env=env,
            check=False,
        )
    except (FileNotFoundError, PermissionError, NotADirectoryError):
        raise RenderError("Graphviz is not installed on this server, so the map cannot be drawn.") from None
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"The map took longer than {settings.MAP_RENDER_TIMEOUT:g} seconds to draw; "
            "try a smaller part of it (focus on one box)."
        ) from None
    if result.returncode != 0 or not result.stdout:
        raise RenderError(f"Graphviz could not draw this map (exit status {result.returncode}).")
    return result.stdout


def _with_graph_attributes(dot_text: str, attributes: str) -> str:
    """Set graph attributes of our own (never user text) by appending them to the graph body."""
    body = dot_text.rstrip()
    assert body.endswith("}")
    return f"{body[:-1]}\tgraph [{attributes}]\n}}\n"


def _natural_size(dot_text: str) -> tuple[float, float]:
    """The drawing's size in inches, from a layout-only run (-Tplain: "graph scale w h")."""
    first = _run_dot(dot_text, "plain").split(b"\n", 1)[0].split()
    try:
        return float(first[2]), float(first[3])
    except (IndexError, ValueError):
        raise RenderError("Graphviz gave an unexpected layout.") from None


def render(dot_text: str, fmt: str) -> bytes:
    """DOT text -> the bytes of one allowed format. Raises RenderError, never hangs."""
    if fmt not in FORMATS:
        raise RenderError(f"Unknown map format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if fmt == "dot":
        return dot_text.encode("utf-8")
    if fmt == "png":
        dot_text = _with_graph_attributes(dot_text, f"dpi={PNG_DPI}")
    if fmt == "pdf":
        # One A4 landscape page: the drawing, padded to the page's shape, is scaled to fit
        # inside the margin that the PDF device adds on every side (half an inch), so that
        # the page is exactly A4 (cairo's PDF has no tiling).
        fit_w, fit_h = PDF_PAGE[0] - 2 * PDF_MARGIN, PDF_PAGE[1] - 2 * PDF_MARGIN
        # ratio=compress packs the layout towards the page's shape before it is scaled.
        dot_text = _with_graph_attributes(dot_text, f'size="{fit_w:.2f},{fit_h:.2f}"')
        width, height = _natural_size(dot_text)
        if width <= fit_w and height <= fit_h:
            # Small enough at full size: centre it, do not blow it up.
            pad_x, pad_y = (fit_w - width) / 2, (fit_h - height) / 2
        elif width / height > fit_w / fit_h:
            pad_x, pad_y = 0.1, (width * fit_h / fit_w - height) / 2
        else:
            pad_x, pad_y = (height * fit_w / fit_h - width) / 2, 0.1
        dot_text = _with_graph_attributes(dot_text, f'size="{fit_w:.2f},{fit_h:.2f}!" pad="{pad_x:.3f},{pad_y:.3f}"')
    return _run_dot(dot_text, fmt)


VERSION_TIMEOUT = 5  # seconds for `dot -V`: it prints one line and exits


def graphviz_version() -> str | None:
    """The version `settings.DOT_BINARY -V` reports ("2.43.0"), or None if it cannot be run.
    Run as the renderer runs it: SERVER_NAME set, so that Graphviz reads no files."""
    env = {"SERVER_NAME": "counterpoint", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    try:
        result = subprocess.run(
            [settings.DOT_BINARY, "-V"], capture_output=True, timeout=VERSION_TIMEOUT, env=env, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("Graphviz cannot be run (%s): %s", settings.DOT_BINARY, error)
        return None
    # `dot -V` writes "dot - graphviz version 2.43.0 (0)" to standard error.
    match = re.search(rb"version\s+([0-9][0-9A-Za-z.~+-]*)", result.stderr + result.stdout)
    if result.returncode != 0 or match is None:
        logger.warning("Graphviz (%s -V) exited %s without a version.", settings.DOT_BINARY, result.returncode)
        return None
    return match.group(1).decode("ascii")
