"""The map's pages: the debate page (the map beside its outline) and the exports
(/debates/<slug>/map.svg|png|pdf|dot) with ETag, 304 and gzip; map.pdf is the classroom
handout (handout.py), on the paper asked for (?paper=a4|a3|letter).

An export is answered from a drawing kept with the stamp of its data (cache.py) when that
stamp is current, else drawn afresh. public_export() answers a public debate's kept drawing
for PublicMapMiddleware, before the layers that only pages need; debate_map() answers
everything else, after them. Both hand over to the same helpers, so the bytes and headers
are the same whichever answers.
"""

import hashlib
import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotModified, QueryDict
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from debates import permissions, throttles
from debates.maps import cache, data, dot, exchange, handout, judging, runner
from debates.maps.outline import Entry, build_outline

# The standalone SVG runs no script and loads nothing: only its own inline styles and images;
# `sandbox` makes it inert when opened directly (no script, no form, no navigation, no popup).
_SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; sandbox"

# A public debate's exports may be kept by a proxy or a CDN for a minute, then revalidated
# with their ETag (a 304 from PublicMapMiddleware costs one query): an approval reaches
# readers behind a cache within a minute, and a class of thirty opening the same map costs
# the app one request a minute. Classroom debates and pending work are never kept downstream.
PUBLIC_CACHE_CONTROL = "public, max-age=60"
PRIVATE_CACHE_CONTROL = "private, no-cache"


class _BadParameter(Exception):
    pass


def _int_param(request, name: str, *, low: int, high: int) -> int | None:
    value = request.GET.get(name)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise _BadParameter(f"{name}: must be a whole number from {low} to {high}.")
    return int(value)


def _map_params(request, moderator: bool) -> dict:
    """The drawing's options from the query string: focus, depth, and pending work (for a
    moderator only). Raises _BadParameter naming the parameter at fault."""
    return {
        "focus": _int_param(request, "focus", low=1, high=2**63 - 1),
        "depth": _int_param(request, "depth", low=0, high=dot.MAX_FOCUS_DEPTH),
        "show_pending": moderator and request.GET.get("pending") == "1",
    }


def _load_map(request, debate, options) -> data.MapData:
    map_data = data.load_map(debate, request.user, show_pending=options["show_pending"])
    if options["focus"] is not None and map_data.node(options["focus"]) is None:
        raise Http404("No such node in this map.")
    return map_data


def _map_request(request, slug: str):
    """The debate, whether the user moderates it, what they may see of its map, and the options."""
    debate = permissions.get_debate_for_user(request.user, slug)
    moderator = permissions.can_moderate(request.user, debate)
    options = _map_params(request, moderator)
    return debate, moderator, _load_map(request, debate, options), options


@require_safe
def debate_detail(request, slug):
    """The debate page: the map as inline SVG beside its outline."""
    try:
        debate, moderator, map_data, options = _map_request(request, slug)
    except _BadParameter as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    selection = dot.select(map_data, **options)
    outline = build_outline(map_data, show_pending=options["show_pending"])
    # Judged from the map just loaded: no query. The drawing's badges follow the switch alone
    # (a drawing is shared by all its readers); the outline and weak points follow the reader.
    sees_standing = judging.visible(debate, request.user)
    numbers, assessment = {}, None
    if sees_standing:
        numbers, assessment = judging.assess_map(map_data, show_pending=options["show_pending"])
        for entry in outline:
            entry.standing = assessment.nodes.get(entry.node.pk)
    dot_text = dot.build_dot(map_data, standing=judging.badges(debate, assessment), **options)
    svg, map_error = "", ""
    try:
        drawing = cache.rendered(dot_text, "svg", debate_id=debate.pk, client=throttles.client_ident(request))
        svg = inline_svg(drawing)
    except runner.RenderError as error:
        # Graphviz missing, failed, too slow or broken, or this reader over the render rate:
        # the outline beside says the same in text.
        map_error = str(error)
    # The export links draw what the page draws.
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in options.items() if v not in (None, False)})
    if options["show_pending"]:
        query["pending"] = "1"
        del query["show_pending"]
    context = {
        "debate": debate,
        "can_moderate": moderator,
        "can_contribute": permissions.can_contribute(request.user, debate),
        "map_svg": svg,
        "map_error": map_error,
        "selection": selection,
        "focus_node": map_data.node(options["focus"]) if options["focus"] else None,
        "show_pending": options["show_pending"],
        "outline": outline,
        "sees_standing": sees_standing,
        "badge_key": judging.badge_key(),
        "weak_points": judging.weak_points_page(map_data, assessment, numbers) if sees_standing else None,
        "export_query": query.urlencode(),
        "max_nodes": settings.MAP_MAX_NODES,
        "question_pk": map_data.question_pk,
    }
    return render(request, "debates/debate_detail.html", context)


def _branches(outline: list[Entry]) -> list[list[tuple[Entry, range]]]:
    """The outline cut into branches, one a slide: each answer to the question (depth 1)
    with everything under it, then each box not linked to the question (a further root) with
    its own. Each entry comes with the nested lists it closes within its branch."""
    starts = [i for i, e in enumerate(outline) if e.depth == 1 or (e.depth == 0 and i > 0)]
    branches = []
    for start, end in zip(starts, [*starts[1:], len(outline)], strict=False):
        entries = outline[start:end]
        base = entries[0].depth
        closes = [
            range(0 if entry.has_children else entry.depth - (entries[i + 1].depth if i + 1 < len(entries) else base))
            for i, entry in enumerate(entries)
        ]
        branches.append(list(zip(entries, closes, strict=True)))
    return branches


@require_safe
def debate_present(request, slug):
    """The projector view: one branch of the debate at a time, in large type, as an
    ordered tree numbered like the outline (HTML, not a scaled drawing, so that the text
    size is what the stylesheet says). The same content as the debate page: approved only."""
    debate = permissions.get_debate_for_user(request.user, slug)
    map_data = data.load_map(debate, request.user)
    outline = build_outline(map_data)
    # The badges, judged from the map just loaded (no query). A projector shows the page to
    # the whole class, so they follow the debate's switch as the drawing does (the standing is
    # visible to everyone while it is on): a teacher who hides the standing so that the class
    # judges first does not give it away by projecting a branch.
    sees_standing = judging.visible(debate, request.user) and debate.show_standing
    if sees_standing:
        _, assessment = judging.assess_map(map_data)
        for entry in outline:
            entry.standing = assessment.nodes.get(entry.node.pk)
    branches = _branches(outline)
    try:
        index = _int_param(request, "branch", low=1, high=max(1, len(branches))) or 1
    except _BadParameter as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    context = {
        "debate": debate,
        "question": outline[0] if outline else None,
        "branch": branches[index - 1] if branches else [],
        "index": index,
        "count": len(branches),
        "previous": index - 1 if index > 1 else None,
        "next": index + 1 if index < len(branches) else None,
        "sees_standing": sees_standing,
    }
    return render(request, "debates/debate_present.html", context)


# --------------------------------------------------------------------------- exports


def _paper_param(request) -> str:
    try:
        return handout.paper_named(request.GET.get("paper") or None).name
    except ValueError as error:
        raise _BadParameter(str(error)) from None


def _export_options(request, fmt: str, moderator: bool) -> tuple[dict, bool]:
    """The drawing's options from the query string (for the PDF handout, the paper too), and
    whether the answer is gzipped."""
    options = _map_params(request, moderator)
    if fmt == "pdf":
        options["paper"] = _paper_param(request)
    compressed = fmt in cache.COMPRESSIBLE and "gzip" in request.headers.get("Accept-Encoding", "")
    return options, compressed


def _export_etag(digest: str, compressed: bool) -> str:
    # The gzipped bytes are another representation: another entity tag.
    return quote_etag(digest + ("-gzip" if compressed else ""))


def _not_modified(request, etag: str) -> HttpResponseNotModified | None:
    if etag not in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return None
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def _export_response(request, debate, fmt, options, etag, output, compressed) -> HttpResponse:
    """A drawing as a file. Every header is set here, whichever path answers (view or
    PublicMapMiddleware): the SVG carries its own strict policy and the other formats none
    (they run nothing, and a policy on a PDF can blank Chromium's viewer)."""
    response = HttpResponse(output, content_type=runner.FORMATS[fmt])
    response["Content-Length"] = len(output)
    if compressed:
        response["Content-Encoding"] = "gzip"
    if fmt in cache.COMPRESSIBLE:
        response["Vary"] = "Accept-Encoding"
    response["ETag"] = etag
    public = debate.classroom_id is None and not options["show_pending"]
    response["Cache-Control"] = PUBLIC_CACHE_CONTROL if public else PRIVATE_CACHE_CONTROL
    # Read by PublicMapMiddleware: the same bytes for every reader, whatever their cookies.
    response._same_for_everyone = public
    name = debate.slug + (f"-around-{options['focus']}" if options["focus"] else "")
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{fmt}"'
    if fmt == "svg":
        response["Content-Security-Policy"] = _SVG_CSP
    response._csp_exempt = True  # from the site's policy, which is for pages
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    return response


def public_export(request: HttpRequest) -> HttpResponse | None:
    """The answer to a GET of a public debate's export, if a current drawing is kept for
    it; else None, and the request goes on to debate_map().

    Called by PublicMapMiddleware for every request, before the session, authentication,
    CSRF, message and CSP layers. The path is matched by the URLconf's own route, so the
    middleware cannot drift from debates/urls.py (resolve() costs about 20 microseconds; a
    cached export about a millisecond)."""
    if request.method != "GET":
        return None
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    if match.view_name != "debates:debate-map":
        return None
    request.get_host()  # ALLOWED_HOSTS holds here too (CommonMiddleware would check it)
    return _kept_public_export(request, match.kwargs["slug"], match.kwargs["fmt"])


def _kept_public_export(request, slug: str, fmt: str) -> HttpResponse | None:
    """A public debate's drawing is the same for every reader who does not ask for pending
    work, so who is asking does not matter here. One cache read; then, only if a drawing is
    kept, one query (is it still current?). Anything else is left to the view, which says
    what is wrong, checks access, draws and keeps the drawing."""
    if fmt not in runner.FORMATS or "pending" in request.GET:
        return None
    try:
        options, compressed = _export_options(request, fmt, moderator=False)
    except _BadParameter:
        return None
    kept = cache.kept_drawing(slug, fmt, {**options, "gzip": compressed}, public=True)
    if kept is None:
        return None
    stamp, digest, output = kept
    debate, current = data.debate_and_stamp(slug)
    if debate is None or debate.classroom_id is not None or current != stamp:
        return None
    etag = _export_etag(digest, compressed)
    return _not_modified(request, etag) or _export_response(request, debate, fmt, options, etag, output, compressed)


@require_safe
def debate_map(request, slug, fmt):
    """The map as a file: /debates/<slug>/map.svg|png|pdf|dot, with ETag and 304; and for
    other tools map.aif.json|argdown|kialo.txt|graphml|debate.json (interchange_export())."""
    if fmt in exchange.FORMATS:
        return interchange_export(request, slug, fmt)
    if fmt not in runner.FORMATS:
        raise Http404("No such map format.")
    # The debate and a stamp of its data in one query; who may see it is asked as everywhere.
    debate, stamp = data.debate_and_stamp(slug)
    if debate is None or not permissions.can_see_debate(request.user, debate):
        raise Http404("No such debate.")
    # Only ?pending=1 needs to know who is asking (and a public debate's visitors never do).
    moderator = request.GET.get("pending") == "1" and permissions.can_moderate(request.user, debate)
    try:
        options, compressed = _export_options(request, fmt, moderator)
    except _BadParameter as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    # Fast path: a drawing kept under the current stamp (one cache read), no loading or DOT building.
    drawing = {"slug": debate.slug, "fmt": fmt, "options": {**options, "gzip": compressed}}
    public = debate.classroom_id is None
    kept = cache.kept_drawing(**drawing, public=public)
    digest, output = kept[1:] if kept is not None and kept[0] == stamp else (None, None)
    if output is None:
        map_data = _load_map(request, debate, options)
        if fmt == "pdf":
            digest = handout.digest(map_data, title=debate.question, **options)
        else:
            badges = None
            if debate.show_standing:
                badges = judging.assess_map(map_data, show_pending=options["show_pending"])[1]
            dot_text = dot.build_dot(map_data, title=debate.question, standing=badges, **options)
            digest = cache.digest(dot_text, fmt)
    etag = _export_etag(digest, compressed)
    if not_modified := _not_modified(request, etag):
        return not_modified
    if output is None:
        try:
            if fmt == "pdf":
                output = cache.rendered_handout(
                    digest,
                    map_data,
                    debate_id=debate.pk,
                    client=throttles.client_ident(request),
                    title=debate.question,
                    **options,
                )
            else:
                output = cache.rendered(
                    dot_text, fmt, compressed=compressed, debate_id=debate.pk, client=throttles.client_ident(request)
                )
        except runner.RenderError as error:
            return _map_unavailable(request, debate, error)
        cache.keep_drawing(**drawing, public=public, stamp=stamp, digest=digest, output=output)
    return _export_response(request, debate, fmt, options, etag, output, compressed)


def _map_unavailable(request, debate, error: runner.RenderError) -> HttpResponse:
    """429 with Retry-After for a reader over the render rate; else 503, with Retry-After for
    as long as the failure is remembered. Never kept by any cache."""
    if isinstance(error, cache.TooManyRenders):
        status, retry_after = 429, error.wait
    else:
        status, retry_after = 503, settings.MAP_FAILURE_SECONDS
    response = render(request, "debates/map_unavailable.html", {"debate": debate, "message": str(error)}, status=status)
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


# --------------------------------------------------------------------------- interchange files


def interchange_export(request, slug: str, suffix: str) -> HttpResponse:
    """The whole map as a file for another tool (exchange.FORMATS), visible as the drawings
    are (approved content; with ?pending=1, a moderator's pending work too), and kept in the
    cache under the stamp of its data as they are: a current file costs one query and one
    cache read. Deterministic bytes, so the ETag is their digest."""
    debate, stamp = data.debate_and_stamp(slug)
    if debate is None or not permissions.can_see_debate(request.user, debate):
        raise Http404("No such debate.")
    show_pending = request.GET.get("pending") == "1" and permissions.can_moderate(request.user, debate)
    writer, content_type = exchange.FORMATS[suffix]
    kept_as = {"slug": debate.slug, "fmt": suffix, "options": {"show_pending": show_pending}}
    public = debate.classroom_id is None
    kept = cache.kept_drawing(**kept_as, public=public)
    if kept is not None and kept[0] == stamp:
        digest, output = kept[1:]
    else:
        map_data = data.load_map(debate, request.user, show_pending=show_pending)
        text = exchange.export_text(map_data, data.load_sources(debate), writer, show_pending=show_pending)
        output = text.encode()
        digest = hashlib.sha256(output).hexdigest()
        cache.keep_drawing(**kept_as, public=public, stamp=stamp, digest=digest, output=output)
    etag = quote_etag(digest)
    if not_modified := _not_modified(request, etag):
        return not_modified
    response = HttpResponse(output, content_type=content_type)
    response["Content-Length"] = len(output)
    response["ETag"] = etag
    # As the drawings: a public debate's file may be kept downstream for a minute.
    response["Cache-Control"] = PUBLIC_CACHE_CONTROL if public and not show_pending else PRIVATE_CACHE_CONTROL
    disposition = "inline" if request.GET.get("download") == "0" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{debate.slug}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------- inline SVG

_SVG_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
# Node and edge names (n42, n1&#45;&gt;n42; r7, the middle of an arrow an undercut ends at)
# mean nothing to a screen reader; each box's link keeps its text as its title.
_SVG_NAME_TITLE = re.compile(r"<title>(?:[nr]\d+(?:&#45;&gt;[nr]\d+)?|counterpoint)</title>\n?")


def inline_svg(svg: bytes) -> str:
    """dot's SVG (checked by the runner) without its XML prolog, doctype, comments and the
    titles that only name nodes, for embedding in a page. RenderError if it is not an SVG."""
    # The same check again, on what the cache handed back (a few milliseconds for a 400-box
    # map): a page never embeds, or fails with a 500 on, what is not an SVG.
    runner.check_output(svg, "svg")
    text = _SVG_PROLOG.sub("", svg.decode("utf-8"), count=1)
    text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.DOTALL)
    return _SVG_NAME_TITLE.sub("", text)
