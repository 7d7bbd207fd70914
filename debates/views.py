"""Pages. Function views; one access helper per object that returns it or raises 404."""

from django.http import HttpResponse


def home(request):
    return HttpResponse("Counterpoint")


# === Maps: debate page, node page, exports (issue 3) ===============================

from django.conf import settings as _settings  # noqa: E402
from django.core.cache import cache as _cache  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.http import Http404, HttpResponseBadRequest, HttpResponseNotModified, QueryDict  # noqa: E402
from django.shortcuts import render as _render_template  # noqa: E402
from django.utils.http import quote_etag  # noqa: E402
from django.views.decorators.http import require_safe  # noqa: E402

from debates import permissions, quotes, rendering  # noqa: E402
from debates.models import Node, Relation  # noqa: E402
from debates.outline import build_outline  # noqa: E402

# The standalone SVG runs no script and loads nothing: only its own inline styles and images.
_SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


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
    return {
        "focus": _int_param(request, "focus", low=1, high=2**63 - 1),
        "depth": _int_param(request, "depth", low=0, high=rendering.MAX_FOCUS_DEPTH),
        "show_pending": moderator and request.GET.get("pending") == "1",
    }


def _load_map(request, debate, options):
    data = rendering.load_map(debate, request.user, show_pending=options["show_pending"])
    if options["focus"] is not None and data.node(options["focus"]) is None:
        raise Http404("No such node in this map.")
    return data


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
        debate, moderator, data, options = _map_request(request, slug)
    except _BadParameter as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    selection = rendering.select(data, **options)
    dot_text = rendering.build_dot(data, **options)
    svg, map_error = "", ""
    try:
        svg = rendering.inline_svg(rendering.rendered(dot_text, "svg"))
    except rendering.RenderError as error:
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
        "focus_node": data.node(options["focus"]) if options["focus"] else None,
        "show_pending": options["show_pending"],
        "outline": build_outline(data, show_pending=options["show_pending"]),
        "export_query": query.urlencode(),
        "max_nodes": _settings.MAP_MAX_NODES,
        "question_pk": data.question_pk,
    }
    return _render_template(request, "debates/debate_detail.html", context)


@require_safe
def node_detail(request, slug, pk):
    """A node: its text, its quote in its paragraph, what it supports and what opposes it."""
    debate = permissions.get_debate_for_user(request.user, slug)
    moderator = permissions.can_moderate(request.user, debate)
    node = (
        Node.objects.filter(debate=debate, pk=pk)
        .visible_to(request.user, moderator=moderator)
        .select_related("quote__source", "author")
        .first()
    )
    if node is None:
        raise Http404("No such node.")
    node.debate = debate
    relations = list(
        Relation.objects.filter(debate=debate)
        .filter(Q(source=node) | Q(target=node))
        .visible_to(request.user, moderator=moderator)
        .select_related("source", "target")
        .order_by("pk")
    )
    quote = node.quote if hasattr(node, "quote") else None
    paragraph = quotes.paragraph_around(quote.source.text, quote.start, quote.end) if quote else None
    context = {
        "debate": debate,
        "node": node,
        "quote": quote,
        "paragraph": paragraph,
        "can_moderate": moderator,
        "can_contribute": permissions.can_contribute(request.user, debate),
        "supports": [r for r in relations if r.source_id == node.pk and r.kind == Relation.Kind.SUPPORTS],
        "opposes": [r for r in relations if r.source_id == node.pk and r.kind == Relation.Kind.OPPOSES],
        "supported_by": [r for r in relations if r.target_id == node.pk and r.kind == Relation.Kind.SUPPORTS],
        "opposed_by": [r for r in relations if r.target_id == node.pk and r.kind == Relation.Kind.OPPOSES],
        # Evaluated here, so that the page's query count does not depend on the template.
        "history": list(node.events.select_related("actor").order_by("created_at", "pk")),
    }
    return _render_template(request, "debates/node_detail.html", context)


@require_safe
def debate_map(request, slug, fmt):
    """The map as a file: /debates/<slug>/map.svg|png|pdf|dot, with ETag and 304."""
    if fmt not in rendering.FORMATS:
        raise Http404("No such map format.")
    # The debate and a stamp of its data in one query; who may see it is asked as everywhere.
    debate, stamp = rendering.debate_and_stamp(slug)
    if debate is None or not permissions.can_see_debate(request.user, debate):
        raise Http404("No such debate.")
    # Only ?pending=1 needs to know who is asking (and a public debate's visitors never do).
    moderator = request.GET.get("pending") == "1" and permissions.can_moderate(request.user, debate)
    try:
        options = _map_params(request, moderator)
    except _BadParameter as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    compressed = fmt in rendering.COMPRESSIBLE and "gzip" in request.headers.get("Accept-Encoding", "")
    # Fast path: unchanged data (one query says so) and this drawing in the cache (one get).
    pointer = rendering.drawing_key(debate, fmt, {**options, "gzip": compressed}, stamp)
    digest, output = _cache.get(pointer) or (None, None)
    if output is None:
        dot_text = rendering.build_dot(_load_map(request, debate, options), title=debate.question, **options)
        digest = rendering.digest(dot_text, fmt)
    # The gzipped bytes are another representation: another entity tag.
    etag = quote_etag(digest + ("-gzip" if compressed else ""))
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    if output is None:
        try:
            output = rendering.rendered(dot_text, fmt, compressed=compressed)
        except rendering.RenderError as error:
            context = {"debate": debate, "message": str(error)}
            return _render_template(request, "debates/map_unavailable.html", context, status=503)
        _cache.set(pointer, (digest, output), rendering.DIGEST_SECONDS)
    response = HttpResponse(output, content_type=rendering.FORMATS[fmt])
    if compressed:
        response["Content-Encoding"] = "gzip"
    if fmt in rendering.COMPRESSIBLE:
        response["Vary"] = "Accept-Encoding"
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    name = debate.slug + (f"-around-{options['focus']}" if options["focus"] else "")
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{fmt}"'
    if fmt == "svg":
        response["Content-Security-Policy"] = _SVG_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


# === Classroom: accounts, classrooms, teacher pages, sources (issue 4) =============


# === Contributing and moderation (issue 4) ========================================
