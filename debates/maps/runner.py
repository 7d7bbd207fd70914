"""DOT text -> svg/png/pdf bytes (and the handout's drawings): the only code in Counterpoint that starts a process.

We run `dot` ourselves rather than through the graphviz package's pipe(), which takes no
time limit and no environment, and we need both: a dense graph can keep `dot` busy for
minutes, and `dot` reads files named in a drawing (image=, shapefile=, <IMG SRC>) unless the
environment variable SERVER_NAME is set.

Time: one request's Graphviz work shares ONE budget (settings.MAP_RENDER_BUDGET seconds),
however many times it runs `dot` (a PDF runs it twice; a handout once per section). The
caller takes a deadline once, `deadline = runner.budget_deadline()`, and passes the same value to
every render() of that request; each run of `dot` may use what is left of it, and at most
MAP_RENDER_TIMEOUT seconds. A render() given no deadline takes a budget of its own.

Trust: `dot` can exit 0 and print something that is not the asked format (truncated XML,
bytes that are not UTF-8, a PNG for an SVG). Every output is checked (check_output()) before
render() returns it, so nothing unchecked is cached or served.
"""

import logging
import os
import re
import struct
import subprocess
import threading
import time
from xml.parsers import expat

from django.conf import settings

# Output formats: what dot is asked for, and the media type served. "dot" is the DOT text
# itself and never runs Graphviz.
FORMATS = {
    # dot writes UTF-8 (check_output() makes sure); said here so that nothing guesses.
    "svg": "image/svg+xml; charset=utf-8",
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


def budget_deadline() -> float:
    """The time.monotonic() value by which one request's Graphviz work must end: now plus
    settings.MAP_RENDER_BUDGET seconds. Take it once per request and pass it to every render()."""
    return time.monotonic() + settings.MAP_RENDER_BUDGET


def _too_slow(limit: float) -> RenderError:
    return RenderError(
        f"The map took longer than {limit:g} seconds to draw; try a smaller part of it (focus on one box)."
    )


def _run_dot(dot_text: str, fmt: str, deadline: float) -> bytes:
    """The one place that runs Graphviz: within MAP_RENDER_TIMEOUT and what is left before
    `deadline` (time.monotonic()). The output is checked for svg, png and pdf."""
    timeout = min(settings.MAP_RENDER_TIMEOUT, deadline - time.monotonic())
    # The limit a user was held to: one run's, or the request's whole budget.
    limit = settings.MAP_RENDER_TIMEOUT if timeout == settings.MAP_RENDER_TIMEOUT else settings.MAP_RENDER_BUDGET
    if timeout <= 0:
        raise _too_slow(limit)
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
        raise _too_slow(limit) from None
    if result.returncode != 0 or not result.stdout:
        raise RenderError(f"Graphviz could not draw this map (exit status {result.returncode}).")
    if fmt in _CHECKS:
        check_output(result.stdout, fmt)
    return result.stdout


# --------------------------------------------------------------------------- output checks

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Every PNG ends with an empty IEND chunk (length 0, type, CRC): a truncated one does not.
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Sides of a PNG we can have drawn: the map is at most 27 inches wide at PNG_DPI (3888 px);
# anything larger (or zero) is not our drawing.
PNG_MAX_SIDE = 10_000
# Bounds on any output: the smallest real PDF of one box is about 4 KB (so under 200 bytes
# is not a drawing); a 400-box PDF is about 1 MB and its SVG about 1.2 MB, so 50 MB is a
# runaway, not a map.
PDF_MIN_BYTES = 200
MAX_OUTPUT_BYTES = 50 * 1024 * 1024


def _bad(fmt: str, why: str, detail: str = "") -> RenderError:
    logger.warning("Graphviz (%s) printed a %s that is not one: %s %s", settings.DOT_BINARY, fmt, why, detail)
    return RenderError(f"Graphviz gave a broken drawing ({fmt}: {why}), so the map cannot be shown.")


def _check_svg(output: bytes) -> None:
    try:
        output.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("svg", "not UTF-8") from None
    # Expat checks well-formedness without fetching anything (it never reads an external DTD
    # unless asked to); entity declarations are refused outright, so no entity can expand
    # (dot declares none: its doctype names the SVG DTD and nothing else).
    parser = expat.ParserCreate(namespace_separator=" ")
    roots = []

    def start(name, attributes):
        if not roots:
            roots.append(name)

    def no_entities(*args):
        raise ValueError("an entity declaration")

    parser.StartElementHandler = start
    parser.EntityDeclHandler = no_entities
    parser.UnparsedEntityDeclHandler = no_entities
    try:
        parser.Parse(output, True)
    except (expat.ExpatError, ValueError) as error:
        raise _bad("svg", "not well-formed XML", str(error)) from None
    if roots != [f"{SVG_NAMESPACE} svg"]:
        raise _bad("svg", "its root is not an SVG element")


def _check_png(output: bytes) -> None:
    if not output.startswith(PNG_SIGNATURE):
        raise _bad("png", "no PNG signature")
    # The first chunk is IHDR: length 13, type, width and height (big-endian, 4 bytes each).
    if len(output) < 33 or output[12:16] != b"IHDR":
        raise _bad("png", "no image header")
    width, height = struct.unpack(">II", output[16:24])
    if not (0 < width <= PNG_MAX_SIDE and 0 < height <= PNG_MAX_SIDE):
        raise _bad("png", f"an image of {width} x {height} pixels")
    if not output.endswith(PNG_END):
        raise _bad("png", "truncated")


def _check_pdf(output: bytes) -> None:
    if not output.startswith(b"%PDF-"):
        raise _bad("pdf", "no PDF signature")
    if not output.rstrip().endswith(b"%%EOF"):
        raise _bad("pdf", "truncated")
    if len(output) < PDF_MIN_BYTES:
        raise _bad("pdf", f"only {len(output)} bytes")


_CHECKS = {"svg": _check_svg, "png": _check_png, "pdf": _check_pdf}


def check_output(output: bytes, fmt: str) -> None:
    """Raise RenderError unless `output` is a plausible `fmt` drawing: an SVG is UTF-8,
    well-formed XML without entity declarations, rooted in an svg element of the SVG
    namespace; a PNG has its signature (PNG spec 5.2), an IHDR of a sane size first and IEND
    last; a PDF starts with %PDF- and ends with %%EOF (ISO 32000-1, 7.5.2 and 7.5.5). Any
    output over MAX_OUTPUT_BYTES is refused."""
    if len(output) > MAX_OUTPUT_BYTES:
        raise _bad(fmt, f"{len(output):,} bytes")
    _CHECKS[fmt](output)


def _with_graph_attributes(dot_text: str, attributes: str) -> str:
    """Set graph attributes of our own (never user text) by appending them to the graph body."""
    body = dot_text.rstrip()
    assert body.endswith("}")
    return f"{body[:-1]}\tgraph [{attributes}]\n}}\n"


def render(dot_text: str, fmt: str, *, deadline: float | None = None) -> bytes:
    """DOT text -> the checked bytes of one allowed format. Raises RenderError (Graphviz
    missing, failed, too slow, or its output broken), never hangs: every run of `dot` ends
    by `deadline` (a time.monotonic() value from budget_deadline(), shared by all the renders
    of one request; None: a budget of its own)."""
    if deadline is None:
        deadline = budget_deadline()
    if fmt not in FORMATS:
        raise RenderError(f"Unknown map format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if fmt == "dot":
        return dot_text.encode("utf-8")
    if fmt == "png":
        dot_text = _with_graph_attributes(dot_text, f"dpi={PNG_DPI}")
    if fmt == "pdf":
        # The handout's sections: each drawing at 1:1 on a page of its own size, a hair of
        # padding so that no line touches the page's edge (handout.py places the pages).
        dot_text = _with_graph_attributes(dot_text, f'pad="{PDF_PAD}"')
    return _run_dot(dot_text, fmt, deadline)


def _deadline_in(timeout: float | None) -> float:
    """A deadline `timeout` seconds from now, or the request's whole budget."""
    return budget_deadline() if timeout is None else time.monotonic() + timeout


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
    pdfs = _NEXT_PDF.split(_run_dot(text, "pdf", _deadline_in(timeout)))
    if len(pdfs) != len(dot_texts) or not all(p.startswith(b"%PDF-") for p in pdfs):
        raise RenderError("Graphviz gave an unexpected output for the handout's drawings.")
    return pdfs


def layout_sizes(dot_text: str, *, timeout: float | None = None) -> dict[str, tuple[float, float]]:
    """Each node's box as laid out, {name: (width, height)} in points, from -Tplain
    ("node name x y width height ..." in inches)."""
    sizes = {}
    for line in _run_dot(dot_text, "plain", _deadline_in(timeout)).decode("utf-8", "replace").splitlines():
        parts = line.split(" ", 6)
        if parts[0] == "node" and len(parts) > 5:
            try:
                sizes[parts[1]] = (float(parts[4]) * 72, float(parts[5]) * 72)
            except ValueError:
                raise RenderError("Graphviz gave an unexpected layout.") from None
    return sizes


VERSION_TIMEOUT = 2  # seconds for `dot -V`: it prints one line and exits
# The version is part of every drawing's cache key, so it is asked for on every render; it
# is remembered per process (and per DOT_BINARY) for this long, so that an upgrade of
# Graphviz redraws within a minute without a restart.
VERSION_SECONDS = 60.0

_versions: dict[str, tuple[float, str | None]] = {}
_versions_lock = threading.Lock()


def graphviz_version() -> str | None:
    """The version `settings.DOT_BINARY -V` reports ("2.43.0"), or None if it cannot be run;
    remembered for VERSION_SECONDS per binary (a failure too: a missing or hung `dot` is not
    asked again on every request)."""
    binary = settings.DOT_BINARY
    now = time.monotonic()
    with _versions_lock:
        known = _versions.get(binary)
    if known is not None and known[0] > now:
        return known[1]
    version = _ask_version(binary)
    with _versions_lock:
        _versions[binary] = (time.monotonic() + VERSION_SECONDS, version)
    return version


def _ask_version(binary: str) -> str | None:
    """Run `binary -V` as the renderer runs dot: SERVER_NAME set, so that Graphviz reads no files."""
    env = {"SERVER_NAME": "counterpoint", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    try:
        result = subprocess.run([binary, "-V"], capture_output=True, timeout=VERSION_TIMEOUT, env=env, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("Graphviz cannot be run (%s): %s", binary, error)
        return None
    # `dot -V` writes "dot - graphviz version 2.43.0 (0)" to standard error.
    match = re.search(rb"version\s+([0-9][0-9A-Za-z.~+-]*)", result.stderr + result.stdout)
    if result.returncode != 0 or match is None:
        logger.warning("Graphviz (%s -V) exited %s without a version.", binary, result.returncode)
        return None
    return match.group(1).decode("ascii")
