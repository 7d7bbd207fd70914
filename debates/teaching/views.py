"""The teacher's tools as pages: activity, a student's items, feedback and grades, tasks,
group copies; and every user's notifications. Access helpers first, then the views."""

import csv
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from debates import permissions
from debates.forms import add_refusal, safe_next
from debates.maps import numbering
from debates.models import (
    Action,
    Classroom,
    Debate,
    Feedback,
    FeedbackEvent,
    Grade,
    Kind,
    Membership,
    ModerationEvent,
    Node,
    Notification,
    Reason,
    Relation,
    Status,
    Task,
)
from debates.teaching import activity, feedback, groups, notifications, tasks
from debates.teaching.forms import FeedbackForm, GradeForm, GroupsForm, ScaleForm, TaskForm

# --- Access helpers: each returns the object or raises 404 --------------------------------


def _classroom_taught_or_404(request, pk: int) -> Classroom:
    """A classroom the user teaches (any, for a site admin)."""
    classroom = get_object_or_404(Classroom, pk=pk)
    if not request.user.is_superuser and classroom.pk not in permissions.moderated_classroom_ids(request.user):
        raise Http404("No such classroom.")
    return classroom


def _debate_taught_or_404(request, slug: str) -> Debate:
    debate = permissions.get_debate_for_user(request.user, slug)
    if not permissions.can_moderate(request.user, debate):
        raise Http404("No such page.")
    return debate


def _debate_filter(request, classroom: Classroom) -> tuple[list[Debate], Debate | None]:
    """The classroom's debates, or the one named by ?debate=<slug> (404 if it is not the classroom's)."""
    # map_revision: pages name boxes by their outline numbers, kept per map revision (numbering.numbers_for());
    # gradebook: a feedback form says whether its student sees it now.
    debates = list(
        classroom.debates.select_related("group_copy", "map_revision", "gradebook").order_by("created_at", "pk")
    )
    wanted = request.GET.get("debate", "")
    if not wanted:
        return debates, None
    chosen = next((d for d in debates if d.slug == wanted), None)
    if chosen is None:
        raise Http404("No such debate in this classroom.")
    return [chosen], chosen


# --- Activity per student -------------------------------------------------------------------


def _activity(request, pk: int):
    """The classroom (its teachers only, else 404), the debates chosen by ?debate=, the one
    chosen (None for all) and the activity rows for them."""
    classroom = _classroom_taught_or_404(request, pk)
    debates, chosen = _debate_filter(request, classroom)
    return classroom, debates, chosen, activity.activity_rows(classroom, debates)


@login_required
@require_safe
def classroom_activity(request, pk: int):
    """One row per student of the classroom: their contributions, decisions, grades and last activity."""
    classroom, debates, chosen, rows = _activity(request, pk)
    context = {
        "classroom": classroom,
        "debates": debates,
        # The filter's choices: each with its group copy joined, which names a copy apart.
        "all_debates": classroom.debates.select_related("group_copy").order_by("created_at", "pk")
        if chosen
        else debates,
        "chosen": chosen,
        "rows": rows,
        "statuses": activity.STATUSES,
        "kinds": activity.KINDS,
        "reason_labels": dict(Reason.choices),
    }
    return render(request, "debates/teaching/activity.html", context)


CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab or carriage
    return) would be read as a formula, so it gets a leading apostrophe (OWASP, "CSV Injection")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_START) else text


@login_required
@require_safe
def classroom_activity_csv(request, pk: int):
    """The activity table as CSV, with each debate's grade."""
    classroom, debates, _, rows = _activity(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-classroom-{classroom.pk}.csv"'
    writer = csv.writer(response)
    header = ["student", "total"]
    header += [f"status:{s}" for s in activity.STATUSES] + [f"kind:{k}" for k in activity.KINDS]
    header += ["evidence_with_quotes", "rejection_reasons", "returned_waiting", "last_activity"]
    header += [f"grade:{d.slug}" for d in debates]
    writer.writerow(header)
    for row in rows:
        line = [row.student.get_username(), row.total]
        line += [row.by_status[s] for s in activity.STATUSES] + [row.by_kind[k] for k in activity.KINDS]
        line += [
            row.quoted_evidence,
            " ".join(f"{reason}:{n}" for reason, n in sorted(row.reasons.items())),
            row.returned,
            row.last_activity.isoformat() if row.last_activity else "",
        ]
        line += [
            f"{feedback.score_text(row.grades[d.pk][0])}/{row.grades[d.pk][1]}" if d.pk in row.grades else ""
            for d in debates
        ]
        writer.writerow([csv_cell(cell) for cell in line])
    return response


@login_required
@require_safe
def student_items(request, pk: int, user_pk: int):
    """A teacher's view of one student's items in the classroom, filtered by debate, status,
    kind ("link" for links proposed alone) and rejection reason; each item with its feedback."""
    classroom = _classroom_taught_or_404(request, pk)
    student = get_object_or_404(
        get_user_model(), pk=user_pk, memberships__classroom=classroom, memberships__role=Membership.Role.STUDENT
    )
    debates, chosen = _debate_filter(request, classroom)
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    reason = request.GET.get("reason", "")
    if (
        status
        and status not in Status.values
        or kind
        and kind not in activity.KINDS
        or reason
        and reason not in Reason.values
    ):
        return HttpResponse(
            "status, kind or reason: not one of the known values.", status=400, content_type="text/plain"
        )
    by_pk = {d.pk: d for d in debates}
    nodes = Node.objects.none()
    links = Relation.objects.none()
    if kind != "link":
        nodes = Node.objects.filter(author=student, debate_id__in=by_pk).exclude(kind=Kind.QUESTION)
        if kind:
            nodes = nodes.filter(kind=kind)
    if not kind or kind == "link":
        links = Relation.objects.filter(author=student, debate_id__in=by_pk, events__action=Action.SUBMITTED)
    if status:
        nodes, links = nodes.filter(status=status), links.filter(status=status)
    if reason:
        nodes = nodes.filter(events__action=Action.REJECTED, events__reason=reason)
        links = links.filter(events__action=Action.REJECTED, events__reason=reason)
    decisions = ModerationEvent.objects.filter(action__in=[Action.APPROVED, Action.REJECTED, Action.RETURNED])
    nodes = list(
        nodes.select_related("quote")
        .prefetch_related(Prefetch("events", queryset=decisions, to_attr="decisions"), "feedback")
        .distinct()
        .order_by("-created_at", "-pk")
    )
    # A link's feedback is joined (a reverse one-to-one): no query per link.
    links = list(links.select_related(*numbering.LINK_ENDS, "feedback").distinct().order_by("-created_at", "-pk"))
    refused = feedback_refused(request)
    for item in [*nodes, *links]:
        item.debate = by_pk[item.debate_id]
        # A missing reverse one-to-one raises an AttributeError subclass: getattr's default applies.
        item.feedback_form = feedback_form(item, getattr(item, "feedback", None), refused)
    # The links' ends are named by their outline numbers: no query once their debates are judged.
    numbering.name_links(links, numbering.numbers_for({link.debate_id: link.debate for link in links}.values()))
    context = {
        "classroom": classroom,
        "student": student,
        "debates": debates,
        "chosen": chosen,
        "nodes": nodes,
        "links": links,
        "filters": {"status": status, "kind": kind, "reason": reason},
    }
    return render(request, "debates/teaching/student_items.html", context)


# --- Feedback and grades --------------------------------------------------------------------


def feedback_prefix(item: Node | Relation) -> str:
    """The prefix of an item's FeedbackForm fields: n<pk> for a node, r<pk> for a link."""
    return f"{'r' if isinstance(item, Relation) else 'n'}{item.pk}"


def feedback_form(item: Node | Relation, existing: Feedback | None, refused: dict | None = None) -> FeedbackForm:
    """The FeedbackForm for the item: holding its current feedback (if any) or, when
    `refused` (feedback_refused()) is this item's, the text the teacher typed with the
    reasons it was refused, so that nothing typed is lost. Its hint says whether the student
    sees it now: no query when item.debate was loaded with its grade book."""
    prefix = feedback_prefix(item)
    released = feedback.released_as_loaded(item.debate)
    if refused is None or refused["prefix"] != prefix:
        return FeedbackForm(initial={"text": existing.text if existing else ""}, prefix=prefix, released=released)
    form = FeedbackForm({f"{prefix}-text": refused["text"]}, prefix=prefix, released=released)
    form.is_valid()
    for problem in refused["problems"]:
        if problem not in form.errors.get("text", []):  # the form finds its own again
            form.add_error("text", problem)
    return form


# The session's key for a refused feedback, kept for the page the form was posted from.
FEEDBACK_REFUSAL = "counterpoint_feedback_refusal"
# What is kept of a refused text: far more than a teacher types (NOTE_MAX is 2,000), little
# enough for a session row.
FEEDBACK_KEPT = 50_000


def feedback_refused(request) -> dict | None:
    """The refused feedback that item_feedback() sent back to this page, taken from the
    session once (None when there is none, or when it was meant for another page). No query:
    the session is read already for the user."""
    refused = request.session.get(FEEDBACK_REFUSAL)
    if not refused or refused["path"] != request.path:
        return None
    del request.session[FEEDBACK_REFUSAL]
    return refused


FEEDBACK_ITEMS = {"node": Node.objects, "relation": Relation.objects.select_related(*numbering.LINK_ENDS)}


@login_required
@require_POST
def item_feedback(request, slug: str, pk: int, kind: str):
    """Save (or, empty, delete) the teacher's feedback on a contribution: a node, or a link
    (an undercut included), as `kind` ("node" or "relation", set by the URL) says. A refusal
    goes back to the page the form was on, saying which item and field, the form there
    refilled with the text as typed (feedback_refused())."""
    debate = _debate_taught_or_404(request, slug)
    item = get_object_or_404(FEEDBACK_ITEMS[kind], debate=debate, pk=pk)
    item.debate = debate
    prefix = feedback_prefix(item)
    target = safe_next(request, item.get_absolute_url())
    # Named as the class names it: no query once the debate is judged.
    name = numbering.item_name(item, numbering.numbers_for([debate]))
    form = FeedbackForm(request.POST, prefix=prefix)
    problems = [problem for errors in form.errors.values() for problem in errors]
    if not problems:
        try:
            saved = feedback.feedback_save(item=item, teacher=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(request, f"Feedback {'saved' if saved else 'deleted'} on {name}.")
            return redirect(target)
    request.session[FEEDBACK_REFUSAL] = {
        "path": urlsplit(target).path,
        "prefix": prefix,
        "text": request.POST.get(f"{prefix}-text", "")[:FEEDBACK_KEPT],
        "problems": problems,
    }
    messages.error(request, f"The feedback on {name} was not saved. {form['text'].label}: {' '.join(problems)}")
    return redirect(target)


def _grade_forms(request, debate, students, grades):
    data = request.POST if request.method == "POST" and "grades" in request.POST else None
    forms = []
    for student in students:
        grade = grades.get(student.pk)
        initial = {"score": _grade_score(grade), "comment": grade.comment if grade else ""}
        forms.append((student, GradeForm(data, initial=initial, prefix=f"s{student.pk}"), grade))
    return forms


def _grade_score(grade: Grade | None) -> str:
    """The score as the grade form shows it, "" for no grade."""
    return feedback.score_text(grade.score) if grade else ""


def _grades_save(request, debate, rows) -> bool:
    """Save each changed row of the grade form; True when all were saved. Every row is checked
    and shows its own refusal, and none is kept unless all pass: a teacher who typed a class's
    scores fixes the bad ones and sends them again, with nothing half saved in between."""
    with transaction.atomic():
        for student, form, grade in rows:
            if not form.is_valid():
                continue  # its shape is wrong: the form shows why
            data = form.cleaned_data
            if _grade_score(grade) == data["score"] and (grade.comment if grade else "") == data["comment"]:
                continue
            try:
                feedback.grade_save(
                    debate=debate, student=student, teacher=request.user, score=data["score"], comment=data["comment"]
                )
            except ValidationError as error:
                add_refusal(form, error)
        refused = any(form.errors for _, form, _ in rows)
        if refused:
            transaction.set_rollback(True)
    return not refused


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def debate_grades(request, slug: str):
    """A debate's grades: the scale, a score and comment per student, the release, the history."""
    debate = _debate_taught_or_404(request, slug)
    book = feedback.gradebook(debate)
    students = list(activity.students_of(debate))
    grades = {g.student_id: g for g in Grade.objects.filter(debate=debate)}
    scale_form = ScaleForm(request.POST if "scale" in request.POST else None, initial={"scale": book.scale})
    rows = _grade_forms(request, debate, students, grades)
    failed = False
    if request.method == "POST" and "scale" in request.POST:
        if scale_form.is_valid():
            try:
                feedback.scale_set(debate=debate, teacher=request.user, scale=scale_form.cleaned_data["scale"])
            except ValidationError as error:
                add_refusal(scale_form, error)
            else:
                messages.success(request, f"Grades are now out of {scale_form.cleaned_data['scale']}.")
                return redirect("debates:debate-grades", debate.slug)
        failed = True
    elif request.method == "POST":
        if _grades_save(request, debate, rows):
            messages.success(request, "Grades saved.")
            return redirect("debates:debate-grades", debate.slug)
        failed = True
    # The boxes and links the history is about come joined, named by their outline numbers
    # (kept per map revision: no query once the debate is judged).
    history = list(
        FeedbackEvent.objects.filter(debate=debate)
        .select_related("actor", "student", "node", *(f"relation__{end}" for end in numbering.LINK_ENDS))
        .order_by("-created_at", "-pk")[:50]
    )
    if any(event.node_id or event.relation_id for event in history):
        numbers = numbering.numbers_for([debate])
        numbering.name_nodes([event.node for event in history], numbers)
        numbering.name_links([event.relation for event in history], numbers)
    context = {
        "debate": debate,
        "book": book,
        "scale_form": scale_form,
        "rows": rows,
        "grade_problems": _grade_problems(rows) if failed else [],
        "history": history,
    }
    return render(request, "debates/teaching/grades.html", context, status=400 if failed else 200)


def _grade_problems(rows) -> list[tuple]:
    """Each refusal of the grade form as (student, the field it is on, the message), for the
    summary above the table; a refusal of the whole row is shown on its score."""
    problems = []
    for student, form, _ in rows:
        if not form.is_bound:
            continue
        for name, messages_ in form.errors.items():
            field = form["score" if name == "__all__" else name]
            problems += [(student, field, message) for message in messages_]
    return problems


@login_required
@require_POST
def debate_grades_release(request, slug: str):
    """Release the debate's feedback and grades to its students, all at once."""
    debate = _debate_taught_or_404(request, slug)
    try:
        feedback.grades_release(debate=debate, teacher=request.user)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, "Feedback and grades released: the students can see theirs now.")
    return redirect("debates:debate-grades", debate.slug)


def show_released_feedback(user, nodes, links) -> None:
    """Give each of the user's own `nodes` (with their `arrows`) and `links` `feedback_shown`:
    the teacher's feedback on it where the debate's grades are released, else None. Only
    feedback on the user's own nodes and links is read, so an arrow another student drew from
    the user's box shows none. One query, whatever the number of items: the release and the
    authorship are checked in it, so no template can show another's or unreleased feedback."""
    released = Feedback.objects.filter(debate__gradebook__released_at__isnull=False)
    mine = released.filter(Q(node__author=user) | Q(relation__author=user))
    by_node, by_relation = {}, {}
    for shown in mine:
        if shown.node_id is not None:
            by_node[shown.node_id] = shown
        else:
            by_relation[shown.relation_id] = shown
    for node in nodes:
        node.feedback_shown = by_node.get(node.pk)
        for arrow in node.arrows:
            arrow.feedback_shown = by_relation.get(arrow.pk)
    for link in links:
        link.feedback_shown = by_relation.get(link.pk)


def released_grades(user) -> list[Grade]:
    """The user's grades in released debates, with their debate (its group copy too, which
    names it) and scale: one query."""
    return list(
        Grade.objects.filter(student=user, debate__gradebook__released_at__isnull=False)
        .select_related("debate__gradebook", "debate__group_copy")
        .order_by("debate__question")
    )


def node_context(request, node: Node, debate: Debate, moderator: bool, relations: list[Relation]) -> dict:
    """What the node page adds for teaching: the feedback on the node that its author (after
    release) and the teachers see, for a teacher a form to write it when a student wrote the
    node (`node.by_student`, NodeQuerySet.with_by_student()), and the open tasks on this node
    set for the user. Each of `relations` (the links the page lists) gets `feedback_shown`,
    its feedback for the same readers (a link's author, after release), and for a teacher
    `feedback_form`. At most two queries, however many links."""
    user = request.user
    if not user.is_authenticated:
        return {"node_feedback": None, "node_feedback_form": None, "node_tasks": []}
    node_ids = [node.pk] if moderator or node.author_id == user.pk else []
    relation_ids = [r.pk for r in relations if moderator or r.author_id == user.pk]
    found = []
    if node_ids or relation_ids:
        shown = Feedback.objects.filter(Q(node_id__in=node_ids) | Q(relation_id__in=relation_ids))
        if not moderator:
            shown = shown.filter(debate__gradebook__released_at__isnull=False)
        found = list(shown)
    by_relation = {f.relation_id: f for f in found if f.relation_id is not None}
    refused = feedback_refused(request) if moderator else None
    for relation in relations:
        relation.feedback_shown = by_relation.get(relation.pk)
        if moderator:
            relation.debate = debate  # loaded with its grade book, which the form's hint reads
            relation.feedback_form = feedback_form(relation, relation.feedback_shown, refused)
    node_tasks = (
        []
        if moderator
        else list(tasks.open_for_student(user, today=timezone.localdate(), debates=[debate.pk]).filter(node=node))
    )
    node_feedback = next((f for f in found if f.node_id == node.pk), None)
    return {
        "node_feedback": node_feedback,
        "node_feedback_form": feedback_form(node, node_feedback, refused) if moderator and node.by_student else None,
        "node_tasks": node_tasks,
    }


def task_for_form(request, debate: Debate, task_id: int | None) -> Task | None:
    """The task a contribution form is made for, if it is set for this user in this debate
    (no query without one)."""
    if task_id is None:
        return None
    task = Task.objects.filter(debate=debate, pk=task_id).first()
    if task is None or not tasks.is_set_for(task, request.user):
        return None
    task.debate = debate
    return task


def home_tasks(request) -> list[Task]:
    """A signed-in user's open tasks for the home page (one query; none for visitors)."""
    if not request.user.is_authenticated:
        return []
    return list(tasks.open_for_student(request.user, today=timezone.localdate())[:20])


# --- Tasks ---------------------------------------------------------------------------------


def _task_taught_or_404(request, slug: str, pk: int) -> Task:
    """A task of a debate the user teaches, with its node and debate."""
    debate = _debate_taught_or_404(request, slug)
    task = get_object_or_404(Task.objects.select_related("node"), debate=debate, pk=pk)
    task.debate = debate
    return task


def _task_form(request, debate: Debate, numbers: dict[int, str], *, initial: dict) -> TaskForm:
    """The form to set or change a task, its choices the debate's approved boxes (named by
    their outline numbers) and its students: two queries."""
    nodes = debate.nodes.filter(status=Status.APPROVED).order_by("pk")
    students = activity.students_of(debate)
    return TaskForm(request.POST or None, nodes=nodes, numbers=numbers, students=students, initial=initial)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def task_list(request, slug: str):
    """A debate's tasks: a teacher sets them here and sees them all; a student sees theirs."""
    debate = permissions.get_debate_for_user(request.user, slug)
    moderator = permissions.can_moderate(request.user, debate)
    if not moderator and not permissions.can_contribute(request.user, debate):
        raise Http404("No such page.")
    # The boxes are named by their outline numbers, in the list and the form: one query.
    numbers = numbering.numbers_for([debate])
    form = None
    if moderator:
        form = _task_form(request, debate, numbers, initial={"node": request.GET.get("node")})
        if request.method == "POST" and form.is_valid():
            try:
                task = tasks.task_create(debate=debate, teacher=request.user, **form.task_fields())
            except ValidationError as error:
                add_refusal(form, error)
            else:
                messages.success(request, "Task set; the students it is for have been told.")
                return redirect(task)
        shown = debate.tasks.select_related("node").prefetch_related("assignees__student").order_by("due", "pk")
    elif request.method == "POST":
        raise Http404("No such page.")
    else:
        shown = tasks.for_student(request.user, debates=[debate.pk])
    shown = list(shown)
    numbering.name_nodes([task.node for task in shown], numbers)
    context = {"debate": debate, "form": form, "tasks": shown, "can_moderate": moderator}
    return render(request, "debates/teaching/task_list.html", context, status=400 if form and form.errors else 200)


@login_required
@require_safe
def task_detail(request, slug: str, pk: int):
    """A task: for the teacher, each student's progress; for a student set it, a way to contribute."""
    debate = permissions.get_debate_for_user(request.user, slug)
    moderator = permissions.can_moderate(request.user, debate)
    task = get_object_or_404(Task.objects.select_related("node"), debate=debate, pk=pk)
    task.debate = debate
    if not moderator and not tasks.is_set_for(task, request.user):
        raise Http404("No such task.")
    if task.node is not None:
        numbering.name_nodes([task.node], numbering.numbers_for([debate]))
    context = {
        "debate": debate,
        "task": task,
        "can_moderate": moderator,
        "progress": tasks.progress(task) if moderator else None,
        "mine": None if moderator else list(task.contributions.filter(student=request.user).select_related("node")),
    }
    return render(request, "debates/teaching/task_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def task_edit(request, slug: str, pk: int):
    """Change a task's text, box, students and due date (the debate's teachers only, else 404)."""
    task = _task_taught_or_404(request, slug, pk)
    initial = {
        "text": task.text,
        "node": task.node_id,
        "students": [] if task.for_everyone else list(task.assignees.values_list("student_id", flat=True)),
        "due": task.due,
    }
    form = _task_form(request, task.debate, numbering.numbers_for([task.debate]), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            tasks.task_update(task=task, teacher=request.user, **form.task_fields())
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, "Task changed; students it is newly set for have been told.")
            return redirect(task)
    context = {"debate": task.debate, "task": task, "form": form}
    return render(request, "debates/teaching/task_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def task_delete(request, slug: str, pk: int):
    """Ask, then delete a task; what students contributed from it stays (teachers only, else 404)."""
    task = _task_taught_or_404(request, slug, pk)
    if request.method == "POST":
        try:
            made = tasks.task_delete(task=task, teacher=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(task)
        kept = " What students contributed from it stays, no longer counted towards a task." if made else ""
        messages.success(request, f"Task deleted.{kept}")
        return redirect("debates:task-list", task.debate.slug)
    context = {"debate": task.debate, "task": task, "made": task.contributions.count()}
    return render(request, "debates/teaching/task_delete.html", context)


# --- Group copies ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def debate_groups(request, slug: str):
    """Copy a classroom's debate into group debates, each with its named students."""
    debate = _debate_taught_or_404(request, slug)
    if debate.classroom_id is None:
        raise Http404("No such page.")
    students = {s.get_username(): s for s in activity.classroom_students(debate.classroom_id)}
    form = GroupsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            specs = groups.parse_groups(form.cleaned_data["groups"], students)
            made = groups.groups_create(origin=debate, teacher=request.user, groups=specs)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, f"Made {len(made)} group debate{'s' if len(made) != 1 else ''}.")
            return redirect("debates:debate-groups", debate.slug)
    copies = debate.group_copies.select_related("debate").prefetch_related("members__student")
    context = {"debate": debate, "form": form, "copies": copies, "students": sorted(students)}
    return render(request, "debates/teaching/groups.html", context, status=400 if form.errors else 200)


# --- Notifications -----------------------------------------------------------------------

NOTIFICATIONS_SHOWN = 100


@login_required
@require_safe
def notification_list(request):
    """The user's notifications, newest first, the unread ones marked."""
    # One query: each notice with its debate and the debate's group copy, which names it.
    shown = list(
        Notification.objects.filter(recipient=request.user).select_related("debate__group_copy")[:NOTIFICATIONS_SHOWN]
    )
    return render(request, "debates/teaching/notifications.html", {"notifications": shown})


@login_required
@require_safe
def notification_open(request, pk: int):
    """Mark one notification read and go to the node (or debate) it is about."""
    notification = get_object_or_404(Notification.objects.select_related("debate"), pk=pk, recipient=request.user)
    notifications.mark_read(user=request.user, ids=[notification.pk])
    return redirect(notification.get_absolute_url())


@login_required
@require_POST
def notifications_read(request):
    """Mark all of the user's notifications read."""
    count = notifications.mark_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("debates:notifications")
