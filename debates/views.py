"""Pages. Function views; one access helper per object that returns it or raises 404."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotModified, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import (
    quote_etag,
    url_has_allowed_host_and_scheme,
    urlencode,
)
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from debates import (
    classrooms,
    errors,
    forms,
    moderation,
    permissions,
    quotes,
    rendering,
)
from debates.context_processors import SESSION_IS_TEACHER
from debates.models import (
    Action,
    Classroom,
    Debate,
    Kind,
    Membership,
    ModerationEvent,
    Node,
    Quote,
    Relation,
    Source,
    Status,
)
from debates.outline import build_outline

# The standalone SVG runs no script and loads nothing: only its own inline styles and images.
# === Maps: debate page, node page, exports (issue 3) ===============================

_SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


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
        "max_nodes": settings.MAP_MAX_NODES,
        "question_pk": data.question_pk,
    }
    return render(request, "debates/debate_detail.html", context)


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
    return render(request, "debates/node_detail.html", context)


def _export_options(request, fmt: str, moderator: bool) -> tuple[dict, bool]:
    """The drawing's options from the query string, and whether the answer is gzipped."""
    options = _map_params(request, moderator)
    compressed = fmt in rendering.COMPRESSIBLE and "gzip" in request.headers.get("Accept-Encoding", "")
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
    response = HttpResponse(output, content_type=rendering.FORMATS[fmt])
    response["Content-Length"] = len(output)
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
    response._csp_exempt = True  # from the site's policy, which is for pages
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    return response


def cached_public_export(request, slug: str, fmt: str) -> HttpResponse | None:
    """A public debate's export straight from the cache, or None (then the view answers).

    A public debate's drawing is the same for every reader who does not ask for pending
    work, so who is asking does not matter: PublicMapMiddleware calls this before the
    session, authentication, CSRF, message and CSP layers, which cost more than the answer
    (bench/maps.py, figure (b)). One query (is the data unchanged?) and one cache read."""
    if fmt not in rendering.FORMATS or request.method != "GET" or "pending" in request.GET:
        return None
    try:
        options, compressed = _export_options(request, fmt, moderator=False)
    except _BadParameter:
        return None  # the view says what is wrong
    debate, stamp = rendering.debate_and_stamp(slug)
    request.map_stamp = (debate, stamp)  # the view, if it answers instead, needs not ask again
    if debate is None or debate.classroom_id is not None:
        return None
    cached = cache.get(rendering.drawing_key(debate, fmt, {**options, "gzip": compressed}, stamp))
    if cached is None:
        return None
    digest, output = cached
    etag = _export_etag(digest, compressed)
    return _not_modified(request, etag) or _export_response(request, debate, fmt, options, etag, output, compressed)


@require_safe
def debate_map(request, slug, fmt):
    """The map as a file: /debates/<slug>/map.svg|png|pdf|dot, with ETag and 304."""
    if fmt not in rendering.FORMATS:
        raise Http404("No such map format.")
    # The debate and a stamp of its data in one query; who may see it is asked as everywhere.
    debate, stamp = getattr(request, "map_stamp", None) or rendering.debate_and_stamp(slug)
    if debate is None or not permissions.can_see_debate(request.user, debate):
        raise Http404("No such debate.")
    # Only ?pending=1 needs to know who is asking (and a public debate's visitors never do).
    moderator = request.GET.get("pending") == "1" and permissions.can_moderate(request.user, debate)
    try:
        options, compressed = _export_options(request, fmt, moderator)
    except _BadParameter as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    # Fast path: unchanged data (one query says so) and this drawing in the cache (one get).
    pointer = rendering.drawing_key(debate, fmt, {**options, "gzip": compressed}, stamp)
    digest, output = cache.get(pointer) or (None, None)
    if output is None:
        dot_text = rendering.build_dot(_load_map(request, debate, options), title=debate.question, **options)
        digest = rendering.digest(dot_text, fmt)
    etag = _export_etag(digest, compressed)
    if not_modified := _not_modified(request, etag):
        return not_modified
    if output is None:
        try:
            output = rendering.rendered(dot_text, fmt, compressed=compressed)
        except rendering.RenderError as error:
            context = {"debate": debate, "message": str(error)}
            return render(request, "debates/map_unavailable.html", context, status=503)
        cache.set(pointer, (digest, output), rendering.DIGEST_SECONDS)
    return _export_response(request, debate, fmt, options, etag, output, compressed)


# === Classroom: accounts, classrooms, teacher pages, sources ======================


# The workflow's argument names that the forms spell differently (as in the query string).
FIELD_NAMES = {"relation_kind": "relation"}


def _add_errors(form, error: ValidationError) -> None:
    """Show a workflow refusal on the form: under its field when the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, problems in error.message_dict.items():
        field = FIELD_NAMES.get(field, field)
        form.add_error(field if field in form.fields else None, problems)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _teacher_or_404(request) -> None:
    if not permissions.is_teacher(request.user):
        raise Http404("No such page.")


def _moderated_debate_or_404(request, slug: str) -> Debate:
    debate = permissions.get_debate_for_user(request.user, slug)
    if not permissions.can_moderate(request.user, debate):
        raise Http404("No such page.")
    return debate


def _classroom_for_member(request, pk: int) -> tuple[Classroom, str | None]:
    """The classroom and the user's role in it; 404 for anyone who is not a member."""
    classroom = get_object_or_404(Classroom, pk=pk)
    role = permissions.classroom_roles(request.user).get(classroom.pk)
    if request.user.is_superuser:
        role = Membership.Role.TEACHER
    if role is None:
        raise Http404("No such classroom.")
    return classroom, role


class LoginView(auth_views.LoginView):
    """Django's log-in (safe redirects, CSRF, throttled by django-axes), with a welcome message."""

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[SESSION_IS_TEACHER] = permissions.is_teacher(form.get_user())
        messages.success(self.request, f"Welcome back, {form.get_user().get_username()}.")
        return response


class LogoutView(auth_views.LogoutView):
    """Log out by POST only, and say so."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


@require_http_methods(["GET", "HEAD"])
def home(request):
    """The debates this user may see, newest first."""
    debates = (
        Debate.objects.visible_to(request.user)
        .select_related("classroom")
        .annotate(approved_count=Count("nodes", filter=Q(nodes__status=Status.APPROVED), distinct=True))
    )
    return render(
        request,
        "debates/home.html",
        {
            "debates": debates,
            "is_teacher": permissions.is_teacher(request.user),
            # On a development server the demo's debate belongs to its classroom: say how to get in.
            "demo_hint": settings.DEBUG and not request.user.is_authenticated,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    """A student makes an account with a classroom's join code."""
    if request.user.is_authenticated:
        # Already signed in: joining another classroom is what they need.
        join = reverse("debates:classroom-join")
        code = request.GET.get("code", "")
        return redirect(f"{join}?{urlencode({'code': code})}" if code else join)
    if request.method == "POST":
        form = forms.SignupForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    user = form.save()
                    classroom = classrooms.classroom_join(user=user, code=form.cleaned_data["code"])
            except ValidationError as error:
                _add_errors(form, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome, {user.get_username()}: you joined {classroom.name}.")
                return redirect("debates:home")
    else:
        form = forms.SignupForm(initial={"code": request.GET.get("code", "")})
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def classroom_join(request):
    """A signed-in user joins a further classroom with its code."""
    form = forms.JoinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            classroom = classrooms.classroom_join(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"You joined {classroom.name}.")
            return redirect("debates:home")
    return render(request, "debates/classroom_join.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD"])
def classroom_list(request):
    """The user's classrooms, with their role in each."""
    memberships = Membership.objects.filter(user=request.user).select_related("classroom").order_by("classroom__name")
    return render(
        request,
        "debates/classroom_list.html",
        {"memberships": memberships, "is_teacher": permissions.is_teacher(request.user)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def classroom_create(request):
    """A teacher opens a classroom."""
    _teacher_or_404(request)
    form = forms.ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            classroom = classrooms.classroom_create(teacher=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Classroom created. Its join code is {classroom.join_code}.")
            return redirect(classroom)
    return render(request, "debates/classroom_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD"])
def classroom_detail(request, pk: int):
    """A classroom's debates; for its teachers also the join code and the members."""
    classroom, role = _classroom_for_member(request, pk)
    is_teacher = role == Membership.Role.TEACHER
    members = classroom.memberships.select_related("user").order_by("role", "user__username") if is_teacher else []
    return render(
        request,
        "debates/classroom_detail.html",
        {
            "classroom": classroom,
            "is_teacher": is_teacher,
            "members": members,
            "debates": classroom.debates.all(),
        },
    )


@login_required
@require_POST
def classroom_regenerate_code(request, pk: int):
    """Give the classroom a new join code; the old one stops working."""
    classroom, role = _classroom_for_member(request, pk)
    if role != Membership.Role.TEACHER:
        raise Http404("No such classroom.")
    try:
        code = classrooms.join_code_regenerate(classroom=classroom, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"New join code: {code}. The old code no longer works.")
    return redirect(classroom)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def debate_create(request):
    """A teacher opens a debate in one of their classrooms (or a public one)."""
    _teacher_or_404(request)
    taught = Classroom.objects.filter(pk__in=permissions.moderated_classroom_ids(request.user))
    if request.user.is_superuser:
        taught = Classroom.objects.all()
    form = forms.DebateForm(
        request.POST or None, classrooms=taught, initial={"classroom": request.GET.get("classroom")}
    )
    if request.method == "POST" and form.is_valid():
        classroom_id = form.cleaned_data["classroom"]
        try:
            debate = classrooms.debate_create(
                created_by=request.user,
                question=form.cleaned_data["question"],
                description=form.cleaned_data["description"],
                classroom=taught.get(pk=classroom_id) if classroom_id else None,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Debate created. Now add the op-eds it is about.")
            return redirect("debates:source-create", debate.slug)
    return render(request, "debates/debate_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def debate_close(request, slug: str):
    """Close a debate to contributions (the default), or reopen it with is_open=1."""
    debate = _moderated_debate_or_404(request, slug)
    form = forms.DebateOpenForm({"is_open": request.POST.get("is_open", "0")})
    if not form.is_valid():
        messages.error(request, "Choose whether to close or reopen the debate.")
        return redirect(_safe_next(request, debate.get_absolute_url()))
    is_open = form.cleaned_data["is_open"]
    classrooms.debate_update(debate=debate, user=request.user, is_open=is_open)
    if is_open:
        messages.success(request, "The debate is open again: students can contribute.")
    else:
        messages.success(request, "The debate is closed: it accepts no more contributions.")
    return redirect(_safe_next(request, debate.get_absolute_url()))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def source_create(request, slug: str):
    """A teacher adds an op-ed to a debate: pasted, or uploaded as a UTF-8 .txt file."""
    debate = _moderated_debate_or_404(request, slug)
    form = forms.SourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source = classrooms.source_add(
                added_by=request.user,
                debate=debate,
                title=data["title"],
                text=data["text"],
                author=data["author"],
                outlet=data["outlet"],
                published=data["published"],
                url=data["url"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Source added to “{debate.question}”.")
            return redirect(source)
    return render(
        request, "debates/source_form.html", {"form": form, "debate": debate}, status=400 if form.errors else 200
    )


def _source_paragraphs(text: str, spans: list[tuple[int, int, object]]) -> list[dict]:
    """Split a source into paragraphs and each paragraph into plain and highlighted runs.

    spans are (start, end, payload); where spans overlap, the one that starts last (the
    innermost) names the run. Offsets stay those of the source text (code points)."""
    paragraphs = []
    position = 0
    for match in [*re.finditer(r"\n{2,}", text), None]:
        end = match.start() if match else len(text)
        if end > position:
            paragraphs.append({"start": position, "end": end, "runs": []})
        position = match.end() if match else end
    cuts_by_paragraph = []
    for paragraph in paragraphs:
        cuts = {paragraph["start"], paragraph["end"]}
        for start, end, _ in spans:
            cuts.update(c for c in (start, end) if paragraph["start"] < c < paragraph["end"])
        cuts_by_paragraph.append(sorted(cuts))
    for paragraph, cuts in zip(paragraphs, cuts_by_paragraph, strict=True):
        for left, right in zip(cuts, cuts[1:], strict=False):
            covering = [s for s in spans if s[0] <= left and right <= s[1]]
            payload = max(covering, key=lambda s: (s[0], -s[1]))[2] if covering else None
            runs = paragraph["runs"]
            if runs and runs[-1]["payload"] is payload and payload is None:
                runs[-1]["text"] += text[left:right]
            else:
                runs.append({"text": text[left:right], "payload": payload, "start": left})
    return paragraphs


@require_http_methods(["GET", "HEAD"])
def source_detail(request, pk: int):
    """An op-ed with its approved quotes highlighted; contributors can turn a selection into evidence."""
    source = permissions.get_source_for_user(request.user, pk)
    debates = list(Debate.objects.visible_to(request.user).filter(sources=source).select_related("classroom"))
    approved = (
        Quote.objects.filter(source=source, node__status=Status.APPROVED, node__debate__in=[d.pk for d in debates])
        .select_related("node__debate")
        .order_by("start", "pk")
    )
    spans = [(q.start, q.end, q.node) for q in approved]
    open_debates = [d for d in debates if d.is_open and permissions.can_contribute(request.user, d)]
    wanted = request.GET.get("debate")
    contributing = next((d for d in open_debates if d.slug == wanted), open_debates[0] if open_debates else None)
    target = request.GET.get("target", "")
    relation = request.GET.get("relation", "")
    return render(
        request,
        "debates/source_detail.html",
        {
            "source": source,
            "debates": debates,
            "paragraphs": _source_paragraphs(source.text, spans),
            "quote_count": len(spans),
            "contributing": contributing,
            "open_debates": open_debates,
            "target": target if _int_or_none(target) is not None else "",
            "relation": relation if relation in Relation.Kind.values else "",
        },
    )


# === Contributing and moderation ==================================================


def _contributable_debate_or_404(request, slug: str) -> Debate:
    debate = permissions.get_debate_for_user(request.user, slug)
    if not permissions.can_contribute(request.user, debate):
        raise Http404("No such page.")
    return debate


def _int_or_none(value) -> int | None:
    """A primary key from a query string; anything else (text, huge numbers) is None."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdecimal() and len(value) <= 18 else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def node_create(request, slug: str):
    """Add a claim, evidence or position, attached to a node as support or objection."""
    debate = _contributable_debate_or_404(request, slug)
    moderator = permissions.can_moderate(request.user, debate)
    targets = list(
        Node.objects.visible_to(request.user, moderator=moderator)
        .filter(debate=debate)
        .exclude(status=Status.REJECTED)
        .order_by("pk")
    )
    sources = list(debate.sources.all())
    by_pk = {node.pk: node for node in targets}
    if request.method == "POST":
        form = forms.NodeForm(request.POST, targets=targets, sources=sources)
        if form.is_valid():
            data = form.cleaned_data
            quote = None
            if data["quote"].strip():
                source = next(s for s in sources if s.pk == data["source"])
                quote = moderation.QuoteInput(source=source, text=data["quote"], start=data["start"], end=data["end"])
                if data["start"] is None:
                    quote = moderation.QuoteInput(source=source, text=data["quote"].strip())
            try:
                node = moderation.node_submit(
                    debate=debate,
                    author=request.user,
                    kind=data["kind"],
                    text=data["text"],
                    quote=quote,
                    target=by_pk[data["target"]],
                    relation_kind=data["relation"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if node.status == Status.APPROVED:
                    messages.success(request, f"Added to the map: {node.get_kind_display().lower()} #{node.pk}.")
                else:
                    messages.success(
                        request, "Sent to your teacher for review. You can edit or withdraw it until it is decided."
                    )
                return redirect(node)
    else:
        initial = {
            "kind": request.GET.get("kind") if request.GET.get("kind") in (k for k, _ in forms.KIND_CHOICES) else None,
            "relation": request.GET.get("relation") if request.GET.get("relation") in Relation.Kind.values else None,
            "target": _int_or_none(request.GET.get("target")),
        }
        source = next((s for s in sources if s.pk == _int_or_none(request.GET.get("source"))), None)
        start, end = _int_or_none(request.GET.get("start")), _int_or_none(request.GET.get("end"))
        if source is not None:
            initial["source"] = source.pk
            initial["kind"] = initial["kind"] or Kind.EVIDENCE
            if start is not None and end is not None and 0 <= start < end <= len(source.text):
                initial.update(quote=source.text[start:end], start=start, end=end)
            elif request.GET.get("quote"):
                initial["quote"] = request.GET["quote"][:2000]
        if initial["target"] is None:
            question = next((n for n in targets if n.kind == Kind.QUESTION), None)
            initial["target"] = question.pk if question else None
        form = forms.NodeForm(initial=initial, targets=targets, sources=sources)
    return render(
        request,
        "debates/node_form.html",
        {
            "form": form,
            "debate": debate,
            "sources": sources,
            "target": by_pk.get(_int_or_none(form["target"].value())),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def relation_create(request, slug: str):
    """Propose a supports/opposes arrow between two nodes already on the map."""
    debate = _contributable_debate_or_404(request, slug)
    moderator = permissions.can_moderate(request.user, debate)
    nodes = list(Node.objects.visible_to(request.user, moderator=moderator).filter(debate=debate).order_by("pk"))
    by_pk = {node.pk: node for node in nodes}
    initial = {
        "source": _int_or_none(request.GET.get("source")),
        "target": _int_or_none(request.GET.get("target")),
        "kind": request.GET.get("kind") if request.GET.get("kind") in Relation.Kind.values else None,
    }
    form = forms.RelationForm(request.POST or None, nodes=nodes, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            relation = moderation.relation_submit(
                author=request.user, source=by_pk[data["source"]], target=by_pk[data["target"]], kind=data["kind"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if relation.status == Status.APPROVED:
                messages.success(request, "Link added to the map.")
            else:
                messages.success(request, "Link sent to your teacher for review.")
            return redirect(relation.get_absolute_url())
    return render(
        request, "debates/relation_form.html", {"form": form, "debate": debate}, status=400 if form.errors else 200
    )


def _own_node_or_404(request, slug: str, pk: int) -> Node:
    debate = permissions.get_debate_for_user(request.user, slug)
    node = Node.objects.select_related("quote__source").filter(debate=debate, pk=pk, author=request.user).first()
    if node is None or node.kind == Kind.QUESTION:
        raise Http404("No such contribution.")
    node.debate = debate
    return node


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def node_edit(request, slug: str, pk: int):
    """The author revises a pending or returned contribution; a returned one goes back to the queue."""
    node = _own_node_or_404(request, slug, pk)
    if node.status not in (Status.PENDING, Status.RETURNED):
        messages.warning(
            request, f"This contribution is {node.get_status_display().lower()}: it can no longer be edited."
        )
        return redirect("debates:my-contributions")
    quote = getattr(node, "quote", None)
    initial = {"text": node.text, "quote": quote.text if quote else ""}
    form = forms.NodeEditForm(request.POST or None, initial=initial)
    if quote is None:
        del form.fields["quote"]
    if request.method == "POST" and form.is_valid():
        new_quote = None
        if quote is not None and form.cleaned_data["quote"].strip() != quote.text:
            if not form.cleaned_data["quote"].strip():
                form.add_error("quote", "Evidence needs a quote: keep one.")
            new_quote = moderation.QuoteInput(source=quote.source, text=form.cleaned_data["quote"].strip())
        if not form.errors:
            was_returned = node.status == Status.RETURNED
            try:
                moderation.node_edit(node=node, editor=request.user, text=form.cleaned_data["text"], quote=new_quote)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if was_returned:
                    messages.success(request, "Revised and sent back to your teacher for review.")
                else:
                    messages.success(request, "Your changes are saved; it is still waiting for review.")
                return redirect("debates:my-contributions")
    feedback = node.events.filter(action=Action.RETURNED).select_related("actor").order_by("-created_at", "-pk").first()
    return render(
        request,
        "debates/node_edit.html",
        {"form": form, "node": node, "debate": node.debate, "feedback": feedback},
        status=400 if form.errors else 200,
    )


def _own_relation_or_404(request, slug: str, pk: int) -> Relation:
    debate = permissions.get_debate_for_user(request.user, slug)
    relation = get_object_or_404(
        Relation.objects.select_related("source", "target"), debate=debate, pk=pk, author=request.user
    )
    relation.debate = debate
    return relation


def _withdraw(request, item: Node | Relation, action_url: str):
    """Ask first (GET: the question, with Withdraw and Keep it), withdraw on POST. Plain
    HTML, so that it works without JavaScript; nothing is lost, as the item can be restored."""
    if request.method == "POST":
        try:
            moderation.item_withdraw(item=item, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Withdrawn. It stays in this list: you can restore it while the debate is open.")
        return redirect("debates:my-contributions")
    if item.status not in (Status.PENDING, Status.RETURNED):
        messages.warning(request, f"This contribution is {item.get_status_display().lower()}: it cannot be withdrawn.")
        return redirect("debates:my-contributions")
    context = {"item": item, "debate": item.debate, "action_url": action_url, "is_node": isinstance(item, Node)}
    return render(request, "debates/withdraw_confirm.html", context)


def _restore(request, item: Node | Relation):
    try:
        moderation.item_restore(item=item, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Restored: it is waiting for your teacher's review again.")
    return redirect("debates:my-contributions")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def node_withdraw(request, slug: str, pk: int):
    """The author takes back a pending or returned contribution, after saying yes."""
    node = _own_node_or_404(request, slug, pk)
    return _withdraw(request, node, reverse("debates:node-withdraw", args=[slug, pk]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def relation_withdraw(request, slug: str, pk: int):
    """The author takes back a proposed link that is pending or returned, after saying yes."""
    relation = _own_relation_or_404(request, slug, pk)
    return _withdraw(request, relation, reverse("debates:relation-withdraw", args=[slug, pk]))


@login_required
@require_POST
def node_restore(request, slug: str, pk: int):
    """The author brings back a withdrawn contribution (pending again), with its arrows."""
    return _restore(request, _own_node_or_404(request, slug, pk))


@login_required
@require_POST
def relation_restore(request, slug: str, pk: int):
    """The author brings back a withdrawn link (pending again)."""
    return _restore(request, _own_relation_or_404(request, slug, pk))


QUEUE_LIMIT = 100


def _queue_entries(request) -> list[dict]:
    """The user's queue (moderation.pending_queue), each item with what its card shows."""
    # Queries: pending nodes with debate, author and quote (1); the arrows submitted with
    # them, with targets (1); standalone arrows with both ends (1); the quoted sources (1).
    items = moderation.pending_queue(request.user, debate_slug=request.GET.get("debate", ""), limit=QUEUE_LIMIT)
    quoted = [item.quote for item in items if isinstance(item, Node) and hasattr(item, "quote")]
    # Apart from the nodes, so that a source's text comes once however many nodes quote it.
    sources = Source.objects.in_bulk({q.source_id for q in quoted}) if quoted else {}
    entries = []
    for item in items:
        kind = "node" if isinstance(item, Node) else "relation"
        entry = {"kind": kind, "item": item, "key": f"{kind}-{item.pk}"}
        quote = getattr(item, "quote", None) if kind == "node" else None
        if quote is not None:
            quote.source = sources[quote.source_id]
            entry.update(quote=quote, paragraph=quotes.paragraph_around(quote.source.text, quote.start, quote.end))
        entries.append(entry)
    return entries


def _render_queue(request, failed_key: str = "", failed_form=None):
    if not permissions.has_moderation_queue(request.user):
        raise Http404("No such page.")
    entries = _queue_entries(request)
    for entry in entries:
        if entry["key"] == failed_key:
            entry["form"] = failed_form
        else:
            initial = {"text": entry["item"].text} if entry["kind"] == "node" else {}
            entry["form"] = forms.DecisionForm(initial=initial, prefix=entry["key"])
    return render(
        request,
        "debates/moderation_queue.html",
        {"items": entries, "limit": QUEUE_LIMIT, "only": request.GET.get("debate", "")},
        status=400 if failed_form is not None else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def moderation_queue(request):
    """The teacher's queue: pending contributions of the debates they moderate, oldest first."""
    return _render_queue(request)


ITEM_MODELS = {"node": Node, "relation": Relation}
DECISION_FIELDS = ("action", "reason", "note", "text")
ACTION_ALIASES = {"approve": "approved", "reject": "rejected", "return": "returned"}


@login_required
@require_POST
def moderation_decide(request, kind: str, pk: int):
    """Approve, reject, return, or edit then approve one pending item."""
    model = ITEM_MODELS.get(kind)
    if model is None:
        raise Http404("No such item.")
    item = model.objects.select_related("debate").filter(pk=pk).first()
    if item is None:
        if not permissions.has_moderation_queue(request.user):
            raise Http404("No such item.")
        # Withdrawn items are kept (item_decide says so); only the admin deletes one.
        messages.warning(request, "This contribution no longer exists.")
        return redirect(_safe_next(request, reverse("debates:moderation-queue")))
    if not permissions.can_see_debate(request.user, item.debate) or not permissions.can_moderate(
        request.user, item.debate
    ):
        raise Http404("No such item.")
    key = f"{kind}-{pk}"
    # The queue prefixes each item's fields; a plain "action"/"reason"/"note" (e.g. from a script) works too.
    data = {f"{key}-{name}": request.POST.get(f"{key}-{name}", request.POST.get(name, "")) for name in DECISION_FIELDS}
    data[f"{key}-action"] = ACTION_ALIASES.get(data[f"{key}-action"], data[f"{key}-action"])
    form = forms.DecisionForm(data, prefix=key)
    if form.is_valid():
        data = form.cleaned_data
        edited = data["text"] if kind == "node" and data["action"] == Action.APPROVED and data["text"] else None
        try:
            moderation.item_decide(
                item=item,
                moderator=request.user,
                action=data["action"],
                reason=data["reason"],
                note=data["note"],
                text=edited,
            )
        except errors.AlreadyDecided as error:
            messages.warning(request, " ".join(error.messages))
            return redirect(_safe_next(request, reverse("debates:moderation-queue")))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            label = f"{item.get_kind_display() if kind == 'node' else 'Link'} #{item.pk}"
            verb = {"approved": "Approved", "rejected": "Rejected", "returned": "Returned for revision"}
            messages.success(request, f"{verb[data['action']]}: {label}.")
            return redirect(_safe_next(request, reverse("debates:moderation-queue")))
    if request.POST.get("next"):
        for problems in form.errors.values():
            messages.error(request, " ".join(problems))
        return redirect(_safe_next(request, reverse("debates:moderation-queue")))
    return _render_queue(request, failed_key=key, failed_form=form)


@login_required
@require_POST
def moderation_bulk(request):
    """Approve every ticked item; say which could not be approved and why."""
    if not permissions.has_moderation_queue(request.user):
        raise Http404("No such page.")
    wanted = {"node": set(), "relation": set()}
    for value in request.POST.getlist("items"):
        kind, _, pk = value.partition("-")
        if kind in wanted and _int_or_none(pk) is not None:
            wanted[kind].add(int(pk))
    for kind in wanted:  # also plain lists of ids: node=1&node=2&relation=3
        wanted[kind].update(int(pk) for pk in request.POST.getlist(kind) if _int_or_none(pk) is not None)
    items = [
        *Node.objects.moderated_by(request.user).filter(pk__in=wanted["node"]).select_related("debate"),
        *Relation.objects.moderated_by(request.user).filter(pk__in=wanted["relation"]).select_related("debate"),
    ]
    if not items:
        messages.warning(request, "Tick the contributions to approve first.")
        return redirect("debates:moderation-queue")
    approved, problems = moderation.items_bulk_decide(items=items, moderator=request.user, action=Action.APPROVED)
    if approved:
        messages.success(request, f"Approved {approved} contribution{'s' if approved != 1 else ''}.")
    for problem in problems:
        messages.warning(request, problem)
    return redirect("debates:moderation-queue")


@login_required
@require_http_methods(["GET", "HEAD"])
def my_contributions(request):
    """A student's contributions with their status and the teacher's latest note."""
    decisions = ModerationEvent.objects.filter(
        action__in=[Action.APPROVED, Action.REJECTED, Action.RETURNED]
    ).select_related("actor")
    visible = Debate.objects.visible_to(request.user).values("pk")
    # Queries: nodes with debate and quote (1); their decisions (1); their arrows with targets (1);
    # standalone links with both ends (1); their decisions (1).
    nodes = (
        Node.objects.filter(author=request.user, debate__in=visible)
        .exclude(kind=Kind.QUESTION)
        .select_related("debate", "quote")
        .prefetch_related(
            Prefetch("events", queryset=decisions, to_attr="decisions"),
            Prefetch("outgoing", queryset=Relation.objects.select_related("target").order_by("pk"), to_attr="arrows"),
        )
        .order_by("-created_at", "-pk")
    )
    links = (
        Relation.objects.filter(author=request.user, debate__in=visible, events__action=Action.SUBMITTED)
        .select_related("debate", "source", "target")
        .prefetch_related(Prefetch("events", queryset=decisions, to_attr="decisions"))
        .order_by("-created_at", "-pk")
        .distinct()
    )
    return render(request, "debates/my_contributions.html", {"nodes": nodes, "links": links})
