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

import codecs
import contextlib
import logging
import os
import re
import selectors
import signal
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
        # Standard error is not read: nothing is done with dot's warnings, and an unread pipe
        # that fills would stall it.
        process = subprocess.Popen(
            [settings.DOT_BINARY, f"-T{fmt}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            # A group of its own, which _end() ends whole: a DOT_BINARY that is a wrapper
            # script starts the real dot as its child.
            start_new_session=True,
        )
    except (FileNotFoundError, PermissionError, NotADirectoryError):
        raise RenderError("Graphviz is not installed on this server, so the map cannot be drawn.") from None
    except OSError as error:  # not a program this machine can run (ENOEXEC), out of processes...
        logger.warning("Graphviz (%s) could not be started: %s", settings.DOT_BINARY, error)
        raise RenderError("Graphviz could not be started on this server, so the map cannot be drawn.") from None
    end = time.monotonic() + timeout
    # An SVG is parsed as it arrives: dot writes a big map's SVG over several milliseconds,
    # and the check then runs beside it rather than after it.
    check = _SvgCheck() if fmt == "svg" else None
    try:
        output = _exchange(process, dot_text.encode("utf-8"), end, fmt, check.feed if check else None)
        returncode = process.wait(timeout=max(0.0, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise _too_slow(limit) from None
    finally:
        _end(process)
    if returncode != 0 or not output:
        raise RenderError(f"Graphviz could not draw this map (exit status {returncode}).")
    if check is not None:
        check.close()
    elif fmt in _CHECKS:
        check_output(output, fmt)
    return output


# What one write or read moves at most: a pipe's whole buffer on Linux.
_PIECE = 65536


def _exchange(process: subprocess.Popen, data: bytes, end: float, fmt: str, sink) -> bytes:
    """Write `data` to the process's standard input while reading its standard output to the
    end, by `end` (time.monotonic()), and return the output. Each piece read goes to
    sink(piece) as it arrives (None: nothing to tell). Raises subprocess.TimeoutExpired at
    `end`, and RenderError once the output passes MAX_OUTPUT_BYTES or sink refuses a piece:
    a broken drawing is not read to its end."""
    stdin, stdout = process.stdin, process.stdout
    pieces, size, offset = [], 0, 0
    view = memoryview(data)
    os.set_blocking(stdin.fileno(), False)
    with selectors.DefaultSelector() as selector:
        selector.register(stdin, selectors.EVENT_WRITE)
        selector.register(stdout, selectors.EVENT_READ)
        while selector.get_map():
            left = end - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(process.args, end)
            for key, _ in selector.select(left):
                if key.fileobj is stdin:
                    try:
                        offset += os.write(stdin.fileno(), view[offset : offset + _PIECE])
                    except BlockingIOError:  # the pipe filled after all: wait for room again
                        pass
                    except BrokenPipeError:  # dot stopped reading; its exit status says why
                        offset = len(data)
                    if offset >= len(data):
                        selector.unregister(stdin)
                        stdin.close()
                    continue
                piece = os.read(stdout.fileno(), _PIECE)
                if not piece:
                    selector.unregister(stdout)
                    continue
                size += len(piece)
                if size > MAX_OUTPUT_BYTES:
                    raise _bad(fmt, f"over {MAX_OUTPUT_BYTES:,} bytes")
                if sink is not None:
                    sink(piece)
                pieces.append(piece)
    return b"".join(pieces)


def _end(process: subprocess.Popen) -> None:
    """Kill the process's group, whatever of it still runs (too slow, its output refused, or
    a child a wrapper script left behind), reap the process and close its pipes: no process,
    zombie or open descriptor is left behind, whatever happened."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing left to kill
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:  # not its group's leader after all: never wait on it unkilled
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None and not pipe.closed:
            pipe.close()


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


class _SvgCheck:
    """An SVG checked as it arrives: feed(piece) as many times as needed, then close().
    Each raises RenderError at the first fault, so that a broken drawing is refused without
    reading it to its end: bytes that are not UTF-8, XML that is not well-formed or that
    declares an entity, a root that is not the svg element of the SVG namespace."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        # Expat checks well-formedness without fetching anything (it never reads an external
        # DTD unless asked to); entity declarations are refused outright, so no entity can
        # expand (dot declares none: its doctype names the SVG DTD and nothing else).
        self._parser = expat.ParserCreate(namespace_separator=" ")
        self._parser.StartElementHandler = self._start
        self._parser.EntityDeclHandler = self._parser.UnparsedEntityDeclHandler = _no_entities
        self._root: str | None = None

    def _start(self, name: str, attributes) -> None:
        if name != f"{SVG_NAMESPACE} svg":
            raise _bad("svg", "its root is not an SVG element")
        self._root = name
        # Only the root is looked at: a call into Python for each of a big map's ten thousand
        # elements would cost more than the whole parse.
        self._parser.StartElementHandler = None

    def feed(self, piece: bytes, final: bool = False) -> None:
        try:
            self._utf8.decode(piece, final)
        except UnicodeDecodeError:
            raise _bad("svg", "not UTF-8") from None
        try:
            self._parser.Parse(piece, final)
        except (expat.ExpatError, ValueError) as error:
            raise _bad("svg", "not well-formed XML", str(error)) from None

    def close(self) -> None:
        self.feed(b"", True)
        if self._root != f"{SVG_NAMESPACE} svg":
            raise _bad("svg", "its root is not an SVG element")


def _no_entities(*args) -> None:
    raise ValueError("an entity declaration")


def _check_svg(output: bytes) -> None:
    check = _SvgCheck()
    check.feed(output)
    check.close()


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
    """Run `binary -V` as the renderer runs dot: SERVER_NAME set, so that Graphviz reads no
    files, and in a group of its own, ended whole."""
    env = {"SERVER_NAME": "counterpoint", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    try:
        process = subprocess.Popen(
            [binary, "-V"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as error:
        logger.warning("Graphviz cannot be run (%s): %s", binary, error)
        return None
    try:
        stdout, stderr = process.communicate(timeout=VERSION_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        logger.warning("Graphviz cannot be run (%s): %s", binary, error)
        return None
    finally:
        _end(process)
    # `dot -V` writes "dot - graphviz version 2.43.0 (0)" to standard error.
    match = re.search(rb"version\s+([0-9][0-9A-Za-z.~+-]*)", stderr + stdout)
    if process.returncode != 0 or match is None:
        logger.warning("Graphviz (%s -V) exited %s without a version.", binary, process.returncode)
        return None
    return match.group(1).decode("ascii")
