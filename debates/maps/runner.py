"""DOT text -> svg/png/pdf bytes (and the handout's drawings): the only code in Counterpoint that starts a process.

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

# A PDF drawing is one section of the handout (handout.py), drawn at 1:1 on a page of its
# own size, with a thin pad (inches): the handout places it on a paper page.
PDF_PAD = 0.05
# A PNG's cost follows its pixels: a wide 200-box map at Graphviz's default size takes
# seconds. The drawing is at most 27 inches wide (dot.MAP_INCHES); at 144 dpi that is
# 3888 px, drawn in a fraction of a second and still sharp on a projector.
PNG_DPI = 144


logger = logging.getLogger("counterpoint.maps")


class RenderError(Exception):
    """Graphviz is missing, too slow, or failed; the message is fit to show a user."""


def _run_dot(dot_text: str, fmt: str, timeout: float | None = None) -> bytes:
    """The one place that runs Graphviz, for at most `timeout` seconds (settings.MAP_RENDER_TIMEOUT
    by default)."""
    timeout = settings.MAP_RENDER_TIMEOUT if timeout is None else timeout
    if timeout <= 0:
        raise RenderError(_too_slow())
    # SERVER_NAME makes Graphviz refuse all file access; PATH alone lets it find its plugins.
    env = {"SERVER_NAME": "counterpoint", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    try:
        result = subprocess.run(
            [settings.DOT_BINARY, f"-T{fmt}"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except (FileNotFoundError, PermissionError, NotADirectoryError):
        raise RenderError("Graphviz is not installed on this server, so the map cannot be drawn.") from None
    except subprocess.TimeoutExpired:
        raise RenderError(_too_slow()) from None
    if result.returncode != 0 or not result.stdout:
        raise RenderError(f"Graphviz could not draw this map (exit status {result.returncode}).")
    return result.stdout


def _too_slow() -> str:
    return (
        f"The map took longer than {settings.MAP_RENDER_TIMEOUT:g} seconds to draw; "
        "try a smaller part of it (focus on one box)."
    )


def _with_graph_attributes(dot_text: str, attributes: str) -> str:
    """Set graph attributes of our own (never user text) by appending them to the graph body."""
    body = dot_text.rstrip()
    assert body.endswith("}")
    return f"{body[:-1]}\tgraph [{attributes}]\n}}\n"


def render(dot_text: str, fmt: str) -> bytes:
    """DOT text -> the bytes of one allowed format. Raises RenderError, never hangs."""
    if fmt not in FORMATS:
        raise RenderError(f"Unknown map format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if fmt == "dot":
        return dot_text.encode("utf-8")
    if fmt == "png":
        dot_text = _with_graph_attributes(dot_text, f"dpi={PNG_DPI}")
    if fmt == "pdf":
        dot_text = _with_graph_attributes(dot_text, f'pad="{PDF_PAD}"')
    return _run_dot(dot_text, fmt)


# Where one PDF ends and the next begins when dot writes several graphs to one stream: cairo
# ends each file with "%%EOF" and a newline, and every PDF starts with "%PDF-".
_NEXT_PDF = re.compile(rb"(?<=%%EOF\n)(?=%PDF-)")


def render_pages(dot_texts: list[str], *, timeout: float | None = None) -> list[bytes]:
    """Several drawings as PDFs (one page each, at 1:1, the page the drawing's own size), from
    ONE run of dot: starting dot costs about as much as laying out a small drawing, and the
    handout draws dozens. Raises RenderError, like render(), within `timeout` seconds in all."""
    if not dot_texts:
        return []
    text = "".join(_with_graph_attributes(t, f'pad="{PDF_PAD}"') for t in dot_texts)
    pdfs = _NEXT_PDF.split(_run_dot(text, "pdf", timeout))
    if len(pdfs) != len(dot_texts) or not all(p.startswith(b"%PDF-") for p in pdfs):
        raise RenderError("Graphviz gave an unexpected output for the handout's drawings.")
    return pdfs


def layout_sizes(dot_text: str, *, timeout: float | None = None) -> dict[str, tuple[float, float]]:
    """Each node's box as laid out, {name: (width, height)} in points, from -Tplain
    ("node name x y width height ..." in inches)."""
    sizes = {}
    for line in _run_dot(dot_text, "plain", timeout).decode("utf-8", "replace").splitlines():
        parts = line.split(" ", 6)
        if parts[0] == "node" and len(parts) > 5:
            try:
                sizes[parts[1]] = (float(parts[4]) * 72, float(parts[5]) * 72)
            except ValueError:
                raise RenderError("Graphviz gave an unexpected layout.") from None
    return sizes


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
