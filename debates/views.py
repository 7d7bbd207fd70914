"""Pages. Function views; one access helper per object that returns it or raises 404."""

import base64
import hashlib
import re
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import (
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
    importing,
    moderation,
    permissions,
    quotes,
    throttles,
)
from debates.context_processors import SESSION_IS_TEACHER
from debates.interchange.model import FormatError, read_bytes
from debates.maps import judging, numbering, standing
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
from debates.teaching import notifications as teaching_notifications
from debates.teaching import tasks as teaching_tasks
from debates.teaching import views as teaching_views


@require_safe
def node_detail(request, slug, pk):
    """A node: its text, its quote in its paragraph, what it supports and what opposes it."""
    debate = permissions.get_debate_for_user(request.user, slug)
    moderator = permissions.can_moderate(request.user, debate)
    node = (
        Node.objects.filter(debate=debate, pk=pk)
        .visible_to(request.user, moderator=moderator)
        .select_related("quote__source", "author")
        .with_by_student(debate)  # the debate's teachers give feedback on a student's box
        .first()
    )
    if node is None:
        raise Http404("No such node.")
    node.debate = debate
    # The node's arrows, and the objections (undercuts) to the arrows from and into it, in one query.
    relations = list(
        Relation.objects.filter(debate=debate)
        .filter(Q(source=node) | Q(target=node) | Q(target_relation__source=node) | Q(target_relation__target=node))
        .visible_to(request.user, moderator=moderator)
        .select_related("source", "target", "target_relation__source", "target_relation__target")
        .order_by("pk")
    )
    objections: dict[int, list[Relation]] = {}
    for relation in relations:
        if relation.target_relation_id is not None:
            objections.setdefault(relation.target_relation_id, []).append(relation)
    arrows = {r.pk: r for r in relations if r.target_id is not None}
    for relation in arrows.values():
        relation.objections = objections.get(relation.pk, [])
    quote = node.quote if hasattr(node, "quote") else None
    paragraph = quotes.paragraph_around(quote.source.text, quote.start, quote.end) if quote else None
    judged = None
    if node.status == Status.APPROVED and judging.visible(debate, request.user):
        # A node's standing depends on the whole debate, not only on its neighbours: judged
        # once per map revision and kept, so this costs no query while the debate is unchanged.
        judgement = judging.judgement(debate)
        judged = judging.node_standing(judgement.data, judgement.assessment, judgement.numbers, node.pk)
    context = {
        "judged": judged,
        "debate": debate,
        "node": node,
        "quote": quote,
        "paragraph": paragraph,
        "can_moderate": moderator,
        "can_contribute": permissions.can_contribute(request.user, debate),
        "supports": [r for r in arrows.values() if r.source_id == node.pk and r.kind == Relation.Kind.SUPPORTS],
        "opposes": [r for r in arrows.values() if r.source_id == node.pk and r.kind == Relation.Kind.OPPOSES],
        "supported_by": [r for r in arrows.values() if r.target_id == node.pk and r.kind == Relation.Kind.SUPPORTS],
        "opposed_by": [r for r in arrows.values() if r.target_id == node.pk and r.kind == Relation.Kind.OPPOSES],
        # The arrows this node objects to (its undercuts), each with the arrow's two ends.
        "objects_to": [r for r in relations if r.source_id == node.pk and r.target_relation_id is not None],
        # Evaluated here, so that the page's query count does not depend on the template.
        "history": list(node.events.select_related("actor").order_by("created_at", "pk")),
        **teaching_views.node_context(request, node, debate, moderator, relations),
    }
    return render(request, "debates/node_detail.html", context)


# === Classroom: accounts, classrooms, teacher pages, sources ======================


def _tell(request, action, success: str) -> None:
    """Run a workflow `action()` for a button that has no form of its own: its refusal
    becomes an error message, its success the message `success` (formatted with what
    action() returned)."""
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success.format(result))


def _create_page(request, form, title: str, url_name: str, submit: str):
    """The page of a plain form that creates one thing; 400 when the form shows errors."""
    context = {"form": form, "title": title, "action": reverse(url_name), "submit": submit}
    return render(request, "debates/create_form.html", context, status=400 if form.errors else 200)


def _teacher_or_404(request) -> None:
    if not permissions.is_teacher(request.user):
        raise Http404("No such page.")


def _taught_classrooms(user):
    """The classrooms a teacher may open or import a debate in: those they teach; every one for a superuser."""
    if user.is_superuser:
        return Classroom.objects.all()
    return Classroom.objects.filter(pk__in=permissions.moderated_classroom_ids(user))


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
        .select_related("classroom", "group_copy")
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
            "open_tasks": teaching_views.home_tasks(request),
        },
    )


def _join_with_code(request, form, join):
    """Run `join()` for a valid POSTed form under the wrong-code limits (per address, and per
    user once signed in). Returns what join() returned (None when the form is not posted,
    invalid or refused) and the status to answer: 200, 400 with the form's errors, or 429
    when the limit is reached (its message under the code field)."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    limit = throttles.JoinLimit(request, user=request.user)
    try:
        limit.check()
        joined = join()
    except throttles.TooManyAttempts as error:
        form.add_error("code", str(error))
        return None, 429
    except ValidationError as error:
        forms.add_refusal(form, error)
        return None, 400
    limit.succeeded()
    return joined, 200


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
    else:
        form = forms.SignupForm(initial={"code": request.GET.get("code", "")})

    def make_and_join():
        with transaction.atomic():
            user = form.save()
            classroom, _ = classrooms.classroom_join(user=user, code=form.cleaned_data["code"])
            return user, classroom

    joined, status = _join_with_code(request, form, make_and_join)
    if joined is not None:
        user, classroom = joined
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}: you joined {classroom.name}.")
        return redirect("debates:home")
    return render(request, "registration/signup.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def classroom_join(request):
    """A signed-in user joins a further classroom with its code."""
    form = forms.JoinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    joined, status = _join_with_code(
        request, form, lambda: classrooms.classroom_join(user=request.user, code=form.cleaned_data["code"])
    )
    if joined is not None:
        classroom, now = joined
        if now:
            messages.success(request, f"You joined {classroom.name}.")
        else:
            messages.info(request, f"You are already in {classroom.name}.")
        return redirect("debates:home")
    return render(request, "debates/classroom_join.html", {"form": form}, status=status)


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
            forms.add_refusal(form, error)
        else:
            messages.success(request, f"Classroom created. Its join code is {classroom.join_code}.")
            return redirect(classroom)
    return _create_page(request, form, "New classroom", "debates:classroom-create", "Create the classroom")


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
            # A group's copy is listed only to its members and the classroom's teachers.
            "debates": Debate.objects.visible_to(request.user).filter(classroom=classroom).select_related("group_copy"),
        },
    )


@login_required
@require_POST
def classroom_regenerate_code(request, pk: int):
    """Give the classroom a new join code; the old one stops working."""
    classroom, role = _classroom_for_member(request, pk)
    if role != Membership.Role.TEACHER:
        raise Http404("No such classroom.")
    _tell(
        request,
        lambda: classrooms.join_code_regenerate(classroom=classroom, user=request.user),
        "New join code: {}. The old code no longer works.",
    )
    return redirect(classroom)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def debate_create(request):
    """A teacher opens a debate in one of their classrooms (or a public one)."""
    _teacher_or_404(request)
    taught = _taught_classrooms(request.user)
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
            forms.add_refusal(form, error)
        else:
            messages.success(request, "Debate created. Now add the op-eds it is about.")
            return redirect("debates:source-create", debate.slug)
    return _create_page(request, form, "New debate", "debates:debate-create", "Create the debate")


# The previewed file waits in the session (database-backed) between preview and confirm, under
# this key: the bytes are not sent to the browser and back, so nothing can swap them between
# what was previewed and what is imported (the digest must match too).
_IMPORT_SESSION_KEY = "map_import"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def map_import(request):
    """A teacher imports another tool's map as a new debate: upload, preview, confirm."""
    _teacher_or_404(request)
    taught = _taught_classrooms(request.user)
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _map_import_confirm(request, taught)
    form = forms.MapImportForm(request.POST or None, request.FILES or None, classrooms=taught)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = read_bytes(upload, max_bytes=settings.IMPORT_MAX_BYTES)
            fmt = form.cleaned_data["format"] or importing.detect_format(data[:4096])
            argument_map = importing.read_upload(data, fmt)
            summary = importing.summarize(argument_map, fmt, question=form.cleaned_data["question"])
        except FormatError as error:
            form.add_error("file", str(error))
        except ValidationError as error:
            forms.add_refusal(form, error)
        else:
            digest = hashlib.sha256(data).hexdigest()
            request.session[_IMPORT_SESSION_KEY] = {
                "digest": digest,
                "format": fmt,
                "filename": upload.name[:255],
                "data": base64.b64encode(data).decode(),
            }
            confirm = forms.MapImportConfirmForm(
                initial={
                    "digest": digest,
                    "slug": form.cleaned_data["slug"],
                    "question": form.cleaned_data["question"],
                    "classroom": form.cleaned_data["classroom"],
                }
            )
            context = {
                "summary": summary,
                "confirm": confirm,
                "filename": upload.name,
                "slug": form.cleaned_data["slug"],
                "audience": _audience(taught, form.cleaned_data["classroom"]),
            }
            return render(request, "debates/map_import_preview.html", context)
    return render(request, "debates/map_import.html", {"form": form}, status=400 if form.errors else 200)


def _audience(taught, classroom_pk: int | None) -> str:
    """Who will be able to read the imported debate, as the preview says it."""
    if classroom_pk is None:
        return "Public: anyone can read it"
    classroom = taught.filter(pk=classroom_pk).first()
    if classroom is None:  # the form's choices hold only taught classrooms; kept for safety
        return "Public: anyone can read it"
    return f"{classroom.name}’s members"


def _map_import_confirm(request, taught):
    form = forms.MapImportConfirmForm(request.POST)
    kept = request.session.get(_IMPORT_SESSION_KEY)
    if not form.is_valid() or not kept or kept.get("digest") != form.cleaned_data["digest"]:
        messages.error(request, "That preview has expired or was replaced by another: upload the file again.")
        return redirect("debates:map-import")
    data = form.cleaned_data
    classroom = taught.filter(pk=data["classroom"]).first() if data["classroom"] else None
    if data["classroom"] and classroom is None:
        messages.error(request, "Choose one of your classrooms.")
        return redirect("debates:map-import")
    raw = base64.b64decode(kept["data"])
    try:
        debate = importing.map_import(
            argument_map=importing.read_upload(raw, kept["format"]),
            fmt=kept["format"],
            imported_by=request.user,
            slug=data["slug"],
            classroom=classroom,
            question=data["question"],
            filename=kept["filename"],
            data=raw,
        )
    except ValidationError as error:
        problems = error.message_dict.items() if hasattr(error, "error_dict") else [("file", error.messages)]
        messages.error(request, " ".join(f"{field}: {' '.join(text)}" for field, text in problems))
        return redirect("debates:map-import")
    del request.session[_IMPORT_SESSION_KEY]
    messages.success(request, f"Imported: {debate.nodes.count() - 1:,} statements.")
    return redirect(debate)


@login_required
@require_POST
def debate_close(request, slug: str):
    """Close a debate to contributions (the default), or reopen it with is_open=1."""
    debate = _moderated_debate_or_404(request, slug)
    form = forms.DebateOpenForm({"is_open": request.POST.get("is_open", "0")})
    if not form.is_valid():
        messages.error(request, "Choose whether to close or reopen the debate.")
        return redirect(forms.safe_next(request, debate.get_absolute_url()))
    is_open = form.cleaned_data["is_open"]
    classrooms.debate_update(debate=debate, user=request.user, is_open=is_open)
    now = "open again: students can contribute" if is_open else "closed: it accepts no more contributions"
    messages.success(request, f"The debate is {now}.")
    return redirect(forms.safe_next(request, debate.get_absolute_url()))


@login_required
@require_POST
def debate_standing(request, slug: str):
    """Show the standing of the debate's claims to the class (show_standing=1), or hide it
    so that the class judges first (0): badges, outline, node pages, weak points, the API."""
    debate = _moderated_debate_or_404(request, slug)
    form = forms.DebateStandingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to show or hide the standing.")
        return redirect(debate.get_absolute_url())
    show = form.cleaned_data["show_standing"]
    classrooms.debate_standing_set(debate=debate, user=request.user, show=show)
    if show:
        messages.success(request, "The class now sees which claims stand, fall or are undecided.")
    else:
        messages.success(request, "The standing is hidden from the class: only the debate's teachers see it.")
    return redirect(debate.get_absolute_url())


@login_required
@require_safe
def debate_weak_points(request, slug: str):
    """The teachers' list of a debate's weak points, with each claim's reason."""
    debate = _moderated_debate_or_404(request, slug)
    judgement = judging.judgement(debate)
    context = {
        "debate": debate,
        "weak_points": judging.weak_points_page(judgement.data, judgement.assessment, judgement.numbers),
        "summary": standing.summary(judgement.assessment),
        "can_contribute": permissions.can_contribute(request.user, debate),
        "can_moderate": True,
    }
    return render(request, "debates/weak_points.html", context)


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
            forms.add_refusal(form, error)
        else:
            messages.success(request, f"Source added to “{debate.named()}”.")
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
    debates = list(
        Debate.objects.visible_to(request.user).filter(sources=source).select_related("classroom", "group_copy")
    )
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


def _submitted(
    request,
    item: Node | Relation,
    *,
    added: str,
    queued: str = "Sent to your teacher for review. You can edit or withdraw it until it is decided.",
):
    """Tell the contributor where a new item went (straight onto the map, `added`, when a
    moderator submitted it; else into the queue, `queued`) and redirect to its page."""
    messages.success(request, added if item.status == Status.APPROVED else queued)
    return redirect(item)


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
    # The choices name boxes by their outline numbers: one query, whatever the debate's size.
    numbers = numbering.numbers_for([debate])
    if request.method == "POST":
        form = forms.NodeForm(request.POST, targets=targets, sources=sources, numbers=numbers)
        if form.is_valid():
            data = form.cleaned_data
            quote = None
            if data["quote"].strip():
                source = next(s for s in sources if s.pk == data["source"])
                quote = moderation.QuoteInput(source=source, text=data["quote"], start=data["start"], end=data["end"])
                if data["start"] is None:
                    quote = moderation.QuoteInput(source=source, text=data["quote"].strip())
            try:
                with transaction.atomic():
                    node = moderation.node_submit(
                        debate=debate,
                        author=request.user,
                        kind=data["kind"],
                        text=data["text"],
                        quote=quote,
                        target=by_pk[data["target"]],
                        relation_kind=data["relation"],
                    )
                    if data["task"] is not None:
                        teaching_tasks.contribution_record(task_id=data["task"], node=node)
            except ValidationError as error:
                forms.add_refusal(form, error)
            else:
                # Named by its text: its outline number would cost judging the changed debate.
                added = f"Added to the map: {node.get_kind_display().lower()} “{numbering.short(node.text)}”."
                return _submitted(request, node, added=added)
    else:
        initial = {
            "kind": request.GET.get("kind") if request.GET.get("kind") in (k for k, _ in forms.KIND_CHOICES) else None,
            "relation": request.GET.get("relation") if request.GET.get("relation") in Relation.Kind.values else None,
            "target": _int_or_none(request.GET.get("target")),
            "task": _int_or_none(request.GET.get("task")),
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
        form = forms.NodeForm(initial=initial, targets=targets, sources=sources, numbers=numbers)
    return render(
        request,
        "debates/node_form.html",
        {
            "form": form,
            "debate": debate,
            "sources": sources,
            "target": by_pk.get(_int_or_none(form["target"].value())),
            "task": teaching_views.task_for_form(request, debate, _int_or_none(form["task"].value())),
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
    # The choices name boxes by their outline numbers: one query, whatever the debate's size.
    numbers = numbering.numbers_for([debate])
    form = forms.RelationForm(request.POST or None, nodes=nodes, numbers=numbers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            relation = moderation.relation_submit(
                author=request.user, source=by_pk[data["source"]], target=by_pk[data["target"]], kind=data["kind"]
            )
        except ValidationError as error:
            forms.add_refusal(form, error)
        else:
            return _submitted(
                request, relation, added="Link added to the map.", queued="Link sent to your teacher for review."
            )
    return render(
        request, "debates/relation_form.html", {"form": form, "debate": debate}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def undercut_create(request, slug: str, pk: int):
    """Object to a supports arrow ("that is true, but it does not show this"): a new claim
    that opposes the arrow itself, an undercut."""
    debate = _contributable_debate_or_404(request, slug)
    moderator = permissions.can_moderate(request.user, debate)
    arrow = (
        Relation.objects.filter(debate=debate, pk=pk, kind=Relation.Kind.SUPPORTS, target__isnull=False)
        .visible_to(request.user, moderator=moderator)
        .select_related("source", "target")
        .first()
    )
    if arrow is None:
        raise Http404("No such link.")
    form = forms.UndercutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            node = moderation.node_submit(
                debate=debate,
                author=request.user,
                kind=Kind.CLAIM,
                text=form.cleaned_data["text"],
                target_relation=arrow,
                relation_kind=Relation.Kind.OPPOSES,
            )
        except ValidationError as error:
            forms.add_refusal(form, error)
        else:
            added = f"Added to the map: claim “{numbering.short(node.text)}”, against the link."
            return _submitted(request, node, added=added)
    context = {"form": form, "debate": debate, "arrow": arrow}
    return render(request, "debates/undercut_form.html", context, status=400 if form.errors else 200)


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
                forms.add_refusal(form, error)
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
        Relation.objects.select_related(*numbering.LINK_ENDS), debate=debate, pk=pk, author=request.user
    )
    relation.debate = debate
    return relation


def _withdraw(request, item: Node | Relation, action_url: str):
    """Ask first (GET: the question, with Withdraw and Keep it), withdraw on POST. Plain
    HTML, so that it works without JavaScript; nothing is lost, as the item can be restored."""
    if request.method == "POST":
        _tell(
            request,
            lambda: moderation.item_withdraw(item=item, user=request.user),
            "Withdrawn. It stays in this list: you can restore it while the debate is open.",
        )
        return redirect("debates:my-contributions")
    if item.status not in (Status.PENDING, Status.RETURNED):
        messages.warning(request, f"This contribution is {item.get_status_display().lower()}: it cannot be withdrawn.")
        return redirect("debates:my-contributions")
    if isinstance(item, Relation):
        # Its ends named by their outline numbers: no query once the debate is judged.
        numbering.name_links([item], numbering.numbers_for([item.debate]))
    context = {"item": item, "debate": item.debate, "action_url": action_url, "is_node": isinstance(item, Node)}
    return render(request, "debates/withdraw_confirm.html", context)


def _restore(request, item: Node | Relation):
    _tell(
        request,
        lambda: moderation.item_restore(item=item, user=request.user),
        "Restored: it is waiting for your teacher's review again.",
    )
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


QUEUE_PAGE_SIZE = 25
# A refused decision, kept in the session between the POST that refused it and the queue
# page it redirects to (Post/Redirect/Get), so that the page shows it at its item.
QUEUE_REFUSAL = "counterpoint_queue_refusal"


def _queue_filter_form(request) -> forms.QueueFilterForm:
    """The queue's filters from the query string, with the teacher's own students and debates as choices."""
    # Queries: the students whose work the teacher moderates (1); the debates they moderate,
    # each with its group copy joined, which names the copies apart (1).
    students = [user.get_username() for user in moderation.queue_students(request.user)]
    debates = Debate.objects.moderated_by(request.user).select_related("group_copy").order_by("question", "pk")
    return forms.QueueFilterForm(request.GET, students=students, debates=list(debates), kinds=moderation.QUEUE_KINDS)


def _queue_filters(data: dict) -> dict:
    """moderation.pending_queue's keyword arguments from the filter form's cleaned data."""
    since = data["since"]
    return {
        "debate_slug": data["debate"],
        "student": data["student"],
        "kind": data["kind"],
        "older_than": timedelta(days=data["older_than"]) if data["older_than"] is not None else None,
        # From the start of that day, in the site's time zone.
        "since": timezone.make_aware(datetime.combine(since, time.min)) if since else None,
    }


def _queue_page(queue: moderation.PendingQueue, number) -> tuple[Page, Node | Relation | None]:
    """The page `number` names (the first if it is not a number, the last if past the end)
    and the item after it: the one that moves up onto this page when one of its items is
    decided, read with the page (one slice), so that the page's last form can return to it."""
    paginator = Paginator(queue, QUEUE_PAGE_SIZE)
    try:
        number = paginator.validate_number(number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    bottom = (number - 1) * QUEUE_PAGE_SIZE
    items = queue[bottom : bottom + QUEUE_PAGE_SIZE + 1]
    after = items[QUEUE_PAGE_SIZE] if len(items) > QUEUE_PAGE_SIZE else None
    return Page(items[:QUEUE_PAGE_SIZE], number, paginator), after


def _queue_key(item: Node | Relation) -> str:
    return f"{'node' if isinstance(item, Node) else 'relation'}-{item.pk}"


def _queue_named_nodes(items: list) -> list[Node]:
    """The boxes the queue's cards name: a link's source, and where each arrow points (for
    an objection to a link, that link's two ends)."""
    named = []
    for item in items:
        arrows = item.arrows if isinstance(item, Node) else [item]
        if not isinstance(item, Node):
            named.append(item.source)
        for arrow in arrows:
            attacked = arrow.target_relation if arrow.target_id is None else None
            named += [arrow.target] if attacked is None else [attacked.source, attacked.target]
    return named


def _queue_entries(items: list, after: Node | Relation | None) -> list[dict]:
    """Each item with what its card shows, and `anchor`: the item to come back to once it is
    decided (the next one; for the queue's last, the one before it)."""
    # Queries: the quoted sources (1), apart from the nodes so that a source's text comes
    # once however many nodes quote it.
    quoted = [item.quote for item in items if isinstance(item, Node) and hasattr(item, "quote")]
    sources = Source.objects.in_bulk({q.source_id for q in quoted}) if quoted else {}
    # The outline numbers the cards name boxes by: kept per map revision (none, or one query
    # for the page's debates not yet judged).
    debates = {item.debate_id: item.debate for item in items}
    numbering.name_nodes(_queue_named_nodes(items), numbering.numbers_for(debates.values()))
    keys = [_queue_key(item) for item in items] + ([_queue_key(after)] if after else [])
    entries = []
    for index, item in enumerate(items):
        kind = "node" if isinstance(item, Node) else "relation"
        following = keys[index + 1 : index + 2] or keys[max(index - 1, 0) : index] or ["queue"]
        entry = {"kind": kind, "item": item, "key": keys[index], "anchor": following[0]}
        quote = getattr(item, "quote", None) if kind == "node" else None
        if quote is not None:
            quote.source = sources[quote.source_id]
            entry.update(quote=quote, paragraph=quotes.paragraph_around(quote.source.text, quote.start, quote.end))
        entries.append(entry)
    return entries


def _queue_refusal_form(refusal: dict) -> forms.DecisionForm:
    """The refused decision's form, as the teacher filled it in, with the refusal's messages."""
    form = forms.DecisionForm(refusal["data"], prefix=refusal["key"])
    form.is_valid()
    for field, problems in refusal["errors"].items():
        if field not in form.errors:  # the form's own errors come back by themselves
            form.add_error(None if field == NON_FIELD_ERRORS else field, problems)
    return form


def _refusal_target(key: str, form) -> str:
    """The id to open a refused decision at: its first wrong field (a browser focuses a
    field the URL's fragment names), or the item when the refusal is not about a field."""
    wrong = [name for name in ("text", "reason", "note") if name in form.errors]
    return f"id_{key}-{wrong[0]}" if wrong else key


def _render_queue(request, failed_key: str = "", failed_form=None, failed_label: str = ""):
    if not permissions.has_moderation_queue(request.user):
        raise Http404("No such page.")
    refusal = request.session.pop(QUEUE_REFUSAL, None) if failed_form is None else None
    if refusal:
        failed_key, failed_form = refusal["key"], _queue_refusal_form(refusal)
    filters = _queue_filter_form(request)
    context = {"filters": filters, "items": [], "refused": None}
    if not filters.is_valid():
        return render(request, "debates/moderation_queue.html", context, status=400)
    queue = moderation.pending_queue(request.user, **_queue_filters(filters.cleaned_data))
    page, after = _queue_page(queue, request.GET.get("page"))
    # The filters as the teacher gave them (valid, as is_valid() said), without anything else.
    wanted = {name: request.GET[name] for name in filters.fields if request.GET.get(name)}

    def url(number: int) -> str:
        return f"{reverse('debates:moderation-queue')}?{urlencode({**wanted, 'page': number})}"

    here = url(page.number)
    entries = _queue_entries(page.object_list, after)
    refused_feedback = teaching_views.feedback_refused(request)
    for entry in entries:
        entry["next"] = f"{here}#{entry['anchor']}"
        if entry["key"] == failed_key:
            entry["form"] = failed_form
        else:
            initial = {"text": entry["item"].text} if entry["kind"] == "node" else {}
            entry["form"] = forms.DecisionForm(initial=initial, prefix=entry["key"])
        # Each card offers the teacher's feedback on its item, joined by pending_queue(); a
        # missing reverse one-to-one raises, and getattr's default applies.
        item = entry["item"]
        item.feedback_shown = getattr(item, "feedback", None)
        item.feedback_form = teaching_views.feedback_form(item, item.feedback_shown, refused_feedback)
    if failed_form is not None:
        context["refused"] = {
            "label": refusal["label"] if refusal else failed_label,
            "problems": [problem for problems in failed_form.errors.values() for problem in problems],
            "target": _refusal_target(failed_key, failed_form),
        }
    context.update(
        items=entries,
        page=page,
        here=here,
        filtered=bool(wanted),
        previous_url=url(page.previous_page_number()) if page.has_previous() else "",
        next_url=url(page.next_page_number()) if page.has_next() else "",
    )
    # A refusal shown after its redirect is a page like any other; one answered in place is a 400.
    status = 400 if failed_form is not None and refusal is None else 200
    return render(request, "debates/moderation_queue.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def moderation_queue(request):
    """The teacher's queue: pending contributions of the debates they moderate, oldest first,
    filtered by student, debate, kind and age, a page at a time."""
    return _render_queue(request)


ITEM_MODELS = {"node": Node, "relation": Relation}
DECISION_FIELDS = ("action", "reason", "note", "text")
ACTION_ALIASES = {"approve": "approved", "reject": "rejected", "return": "returned"}


def _refused(request, form, key: str, label: str):
    """Answer a refused decision: back to the queue page it came from, at the item, or to
    the page named by `next` with the messages, or (no `next`) the queue with the form."""
    queue = reverse("debates:moderation-queue")
    if not request.POST.get("next"):
        return _render_queue(request, failed_key=key, failed_form=form, failed_label=label)
    target = urlsplit(forms.safe_next(request, queue))
    if target.path == queue:
        request.session[QUEUE_REFUSAL] = {
            "key": key,
            "label": label,
            "data": dict(form.data),
            "errors": {field: [str(problem) for problem in problems] for field, problems in form.errors.items()},
        }
        return redirect(urlunsplit(target._replace(fragment=_refusal_target(key, form))))
    for problems in form.errors.values():
        messages.error(request, " ".join(problems))
    return redirect(urlunsplit(target))


def _decided_name(item: Node | Relation, numbers: dict[int, str]) -> str:
    """The item a decision is on, named as its queue card shows it: a box waiting for a
    decision has no outline number yet, so by its kind and text; a link by its two ends'
    numbers (loaded with numbering.LINK_ENDS)."""
    if isinstance(item, Node):
        return f"{item.get_kind_display()} “{numbering.short(item.text)}”"
    return f"Link {numbering.link_name(item, numbers)}"


@login_required
@require_POST
def moderation_decide(request, kind: str, pk: int):
    """Approve, reject, return, or edit then approve one pending item; then back to `next`
    (the queue page and the item after this one), or to the item if the decision is refused."""
    model = ITEM_MODELS.get(kind)
    if model is None:
        raise Http404("No such item.")
    found = model.objects.select_related("debate__map_revision")
    item = (found.select_related(*numbering.LINK_ENDS) if model is Relation else found).filter(pk=pk).first()
    if item is None:
        if not permissions.has_moderation_queue(request.user):
            raise Http404("No such item.")
        # Withdrawn items are kept (item_decide says so); only the admin deletes one.
        messages.warning(request, "This contribution no longer exists.")
        return redirect(forms.safe_next(request, reverse("debates:moderation-queue")))
    if not permissions.can_see_debate(request.user, item.debate) or not permissions.can_moderate(
        request.user, item.debate
    ):
        raise Http404("No such item.")
    key = f"{kind}-{pk}"
    # The numbers as the queue showed them, before the decision changes the map: no query
    # once the debate is judged.
    label = _decided_name(item, numbering.numbers_for([item.debate]))
    # The queue prefixes each item's fields; a plain "action"/"reason"/"note" (e.g. from a script) works too.
    data = {f"{key}-{name}": request.POST.get(f"{key}-{name}", request.POST.get(name, "")) for name in DECISION_FIELDS}
    data[f"{key}-action"] = ACTION_ALIASES.get(data[f"{key}-action"], data[f"{key}-action"])
    form = forms.DecisionForm(data, prefix=key)
    if form.is_valid():
        decision = form.cleaned_data
        edited = decision["text"] if kind == "node" and decision["action"] == Action.APPROVED else None
        try:
            moderation.item_decide(
                item=item,
                moderator=request.user,
                action=decision["action"],
                reason=decision["reason"],
                note=decision["note"],
                text=edited or None,
            )
        except errors.AlreadyDecided as error:
            messages.warning(request, " ".join(error.messages))
            return redirect(forms.safe_next(request, reverse("debates:moderation-queue")))
        except ValidationError as error:
            forms.add_refusal(form, error)
        else:
            verb = {"approved": "Approved", "rejected": "Rejected", "returned": "Returned for revision"}
            messages.success(request, f"{verb[decision['action']]}: {label}.")
            return redirect(forms.safe_next(request, reverse("debates:moderation-queue")))
    return _refused(request, form, key, label)


@login_required
@require_POST
def moderation_bulk(request):
    """Approve every ticked item; say which could not be approved and why; back to `next`
    (the same queue page and filters)."""
    if not permissions.has_moderation_queue(request.user):
        raise Http404("No such page.")
    back = forms.safe_next(request, reverse("debates:moderation-queue"))
    wanted = {"node": set(), "relation": set()}
    for value in request.POST.getlist("items"):
        kind, _, pk = value.partition("-")
        if kind in wanted and _int_or_none(pk) is not None:
            wanted[kind].add(int(pk))
    for kind in wanted:  # also plain lists of ids: node=1&node=2&relation=3
        wanted[kind].update(int(pk) for pk in request.POST.getlist(kind) if _int_or_none(pk) is not None)
    nodes = Node.objects.moderated_by(request.user).filter(pk__in=wanted["node"])
    links = Relation.objects.moderated_by(request.user).filter(pk__in=wanted["relation"])
    items = [
        *nodes.select_related("debate__map_revision"),
        *links.select_related("debate__map_revision", *numbering.LINK_ENDS),
    ]
    if not items:
        messages.warning(request, "Tick the contributions to approve first.")
        return redirect(back)
    # What could not be approved is named as the queue names it, by the numbers read before the decisions.
    numbers = numbering.numbers_for({item.debate_id: item.debate for item in items}.values())
    approved, problems = moderation.items_bulk_decide(
        items=items, moderator=request.user, action=Action.APPROVED, name=lambda item: _decided_name(item, numbers)
    )
    if approved:
        messages.success(request, f"Approved {approved} contribution{'s' if approved != 1 else ''}.")
    for problem in problems:
        messages.warning(request, problem)
    return redirect(back)


@login_required
@require_http_methods(["GET", "HEAD"])
def my_contributions(request):
    """A student's contributions with their status and the teacher's latest note; opening it
    clears the navigation's "N new" (the decisions it counts are shown here)."""
    if request.method == "GET":
        # A GET that writes, on purpose. The other way, a "seen up to" stamp per user, needs
        # a column (and a migration) and leaves the unread count in Notifications saying the
        # decisions are unread after the student has read them here. This write only marks
        # the reader's own notices read: it is idempotent (a reload, a second tab or a
        # prefetch change nothing more), and HEAD writes nothing. It runs before the page is
        # read, so a decision made meanwhile is shown and stays new, never the other way round.
        teaching_notifications.decisions_seen(user=request.user)
    decisions = ModerationEvent.objects.filter(
        action__in=[Action.APPROVED, Action.REJECTED, Action.RETURNED]
    ).select_related("actor")
    visible = Debate.objects.visible_to(request.user).values("pk")
    # Queries: nodes with debate (and its group copy, named beside the question) and quote (1);
    # their decisions (1); their arrows with their other ends (1); standalone links with both
    # ends (1); their decisions (1); the released feedback on all of them (1). The boxes are
    # named by their outline numbers, kept per map revision: none more once the debates are
    # judged. An arrow's source is the node it is listed under (the prefetch sets it): only
    # the other ends are joined.
    arrows = Relation.objects.select_related(*numbering.LINK_ENDS[1:])
    nodes = list(
        Node.objects.filter(author=request.user, debate__in=visible)
        .exclude(kind=Kind.QUESTION)
        .select_related("debate__map_revision", "debate__group_copy", "quote")
        .prefetch_related(
            Prefetch("events", queryset=decisions, to_attr="decisions"),
            Prefetch("outgoing", queryset=arrows.order_by("pk"), to_attr="arrows"),
        )
        .order_by("-created_at", "-pk")
    )
    links = list(
        Relation.objects.filter(author=request.user, debate__in=visible, events__action=Action.SUBMITTED)
        .select_related("debate__map_revision", *numbering.LINK_ENDS)
        .prefetch_related(Prefetch("events", queryset=decisions, to_attr="decisions"))
        .order_by("-created_at", "-pk")
        .distinct()
    )
    teaching_views.show_released_feedback(request.user, nodes, links)
    numbers = numbering.numbers_for({item.debate_id: item.debate for item in [*nodes, *links]}.values())
    numbering.name_links([*links, *(arrow for node in nodes for arrow in node.arrows)], numbers)
    grades = teaching_views.released_grades(request.user)
    return render(request, "debates/my_contributions.html", {"nodes": nodes, "links": links, "grades": grades})
