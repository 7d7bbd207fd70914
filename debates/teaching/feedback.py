"""Feedback on contributions, grades per student per debate, and their release.

Every function is keyword-only, validates with full_clean(), runs in one transaction and
writes the append-only FeedbackEvent log, as the moderation workflow does. Students see
feedback and grades only once the teacher releases the debate's, all at once
(GradeBook.released_at); changes made after the release are visible at once.
"""

import re
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from debates import permissions
from debates.errors import ModerationError, NotAllowed
from debates.models import (
    Debate,
    Feedback,
    FeedbackAction,
    FeedbackEvent,
    Grade,
    GradeBook,
    Kind,
    Node,
    Relation,
)
from debates.teaching import notifications
from debates.teaching.activity import classroom_students, students_of
from debates.text import normalize_newlines


def _fail(field: str, message: str, cls=ModerationError, code: str = "invalid"):
    raise cls({field: [ValidationError(message, code=code)]})


def _validate(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as error:
        raise ModerationError(error.message_dict) from None


def _check_teacher(debate: Debate, user) -> None:
    if not permissions.can_moderate(user, debate):
        _fail("debate", "Only the debate's teachers can give feedback and grades.", NotAllowed, "forbidden")


def _item_fields(item: Node | Relation | None) -> dict:
    """The field of Feedback and FeedbackEvent that names `item`: {"node": item} or {"relation": item}."""
    if item is None:
        return {}
    return {"relation": item} if isinstance(item, Relation) else {"node": item}


def _log(debate: Debate, actor, action: str, *, student=None, item=None, value: str = "") -> None:
    FeedbackEvent.objects.create(
        debate=debate, actor=actor, action=action, student=student, value=value, **_item_fields(item)
    )


def gradebook(debate: Debate) -> GradeBook:
    """The debate's GradeBook (scale 10, unreleased, until the teacher changes it)."""
    book, _ = GradeBook.objects.get_or_create(debate=debate)
    return book


def is_released(debate: Debate) -> bool:
    return GradeBook.objects.filter(debate=debate, released_at__isnull=False).exists()


def released_as_loaded(debate: Debate) -> bool:
    """Whether the debate's grades are released, read from its grade book: no query when the
    debate was loaded with select_related("gradebook"), one otherwise."""
    book = getattr(debate, "gradebook", None)  # a missing one raises an AttributeError subclass
    return book is not None and book.released_at is not None


def _tell_if_released(debate: Debate, teacher, student_id: int | None) -> None:
    """After the release a change is seen at once: tell the student, as the release told
    those it concerned (released_to(): the classroom's students, never the teacher)."""
    if student_id is None or student_id == teacher.pk or debate.classroom_id is None or not is_released(debate):
        return
    if classroom_students(debate.classroom_id).filter(pk=student_id).exists():
        notifications.on_changed_after_release(debate, student_id)


@transaction.atomic
def feedback_save(*, item: Node | Relation, teacher, text: str) -> Feedback | None:
    """Set the teacher's feedback on a contribution, a node or a link (a Relation, undercuts
    included), whatever its status; empty text deletes it. Returns the Feedback, or None
    after a deletion. After the release its author is told of new or changed feedback;
    unchanged text is neither logged nor told. Raises NotAllowed (field "debate") for anyone
    but the debate's teachers, ModerationError for the question (field "node") or text the
    model refuses."""
    debate = item.debate
    _check_teacher(debate, teacher)
    if isinstance(item, Node) and item.kind == Kind.QUESTION:
        _fail("node", "The debate's question is not a contribution.", code="question")
    text = normalize_newlines(text or "").strip()
    fields = _item_fields(item)
    existing = Feedback.objects.filter(**fields).first()
    if not text:
        if existing is not None:
            existing.delete()
            _log(debate, teacher, FeedbackAction.FEEDBACK_DELETED, student=item.author, item=item)
        return None
    if existing is not None and existing.text == text:
        return existing  # nothing changed: nothing to log or tell
    feedback = existing or Feedback(debate=debate, **fields)
    feedback.text, feedback.written_by = text, teacher
    _validate(feedback)
    feedback.save()
    _log(debate, teacher, FeedbackAction.FEEDBACK_SAVED, student=item.author, item=item, value=text)
    _tell_if_released(debate, teacher, item.author_id)
    return feedback


@transaction.atomic
def scale_set(*, debate: Debate, teacher, scale: int) -> GradeBook:
    """Set the maximum score of the debate's grades; refused below a grade already given."""
    _check_teacher(debate, teacher)
    book = gradebook(debate)
    highest = max(debate.grades.values_list("score", flat=True), default=0)
    if scale < highest:
        given = score_text(highest)
        _fail("scale", f"A grade of {given} is already given; the scale cannot be below it.", code="below_grade")
    book.scale = scale
    _validate(book)
    book.save()
    _log(debate, teacher, FeedbackAction.SCALE_SET, value=str(scale))
    return book


# A score as a teacher writes one: digits, with a decimal point or comma, perhaps signed
# (a minus is then refused as out of range, but "-0" is 0). Decimal() reads more ("1e1",
# "1_0", "NaN", "Infinity"), which no one means as a grade and which would come back as
# "1E+1/20" in the history.
PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
ONE_DECIMAL = Decimal("0.1")


def _score(value, scale: int) -> Decimal:
    text = str(value).strip()
    if not PLAIN_NUMBER.fullmatch(text):
        _fail("score", "Give the score as a number, e.g. 7 or 7.5.", code="invalid")
    try:
        score = Decimal(text.replace(",", "."))
    except (InvalidOperation, ValueError):
        _fail("score", "Give the score as a number, e.g. 7 or 7.5.", code="invalid")
    if not 0 <= score <= scale:
        _fail("score", f"The score must be from 0 to {scale}.", code="range")
    if score != score.quantize(ONE_DECIMAL):
        _fail("score", "Give the score with at most one decimal, e.g. 7.5.", code="precision")
    return abs(score).quantize(ONE_DECIMAL)  # abs: "-0" is kept and shown as 0, not -0


def score_text(score: Decimal) -> str:
    """A score as every page, the CSV and the history show it: a plain decimal without a
    trailing ".0" ("10", "7.5"), never Decimal's scientific form ("1E+1")."""
    text = f"{Decimal(score).quantize(ONE_DECIMAL):f}"
    return text.removesuffix(".0")


@transaction.atomic
def grade_save(*, debate: Debate, student, teacher, score, comment: str = "") -> Grade | None:
    """Give a student of the debate a grade (0 to the debate's scale) and a comment; a blank
    score deletes the grade. Returns the Grade, or None after a deletion. After the release
    the student is told of a changed grade; an unchanged one is neither logged nor told."""
    _check_teacher(debate, teacher)
    if student.pk not in students_of(debate).values_list("pk", flat=True):
        _fail("student", "That user is not a student of this debate.", code="not_student")
    existing = Grade.objects.filter(debate=debate, student=student).first()
    if score is None or str(score).strip() == "":
        if existing is not None:
            existing.delete()
            _log(debate, teacher, FeedbackAction.GRADE_DELETED, student=student)
        return None
    book = gradebook(debate)
    score, comment = _score(score, book.scale), normalize_newlines(comment or "").strip()
    if existing is not None and existing.score == score and existing.comment == comment:
        return existing  # the same grade written another way ("10.0", "١٠"): nothing to log or tell
    grade = existing or Grade(debate=debate, student=student)
    grade.score, grade.comment, grade.graded_by = score, comment, teacher
    _validate(grade)
    grade.save()
    _log(debate, teacher, FeedbackAction.GRADE_SAVED, student=student, value=f"{score_text(grade.score)}/{book.scale}")
    _tell_if_released(debate, teacher, student.pk)
    return grade


def released_to(debate: Debate) -> QuerySet:
    """The students a release concerns: the classroom's students with a grade in the debate
    or feedback on a box or link of theirs there (one query when evaluated; none for a
    debate outside a classroom, which has no students)."""
    if debate.classroom_id is None:
        return get_user_model().objects.none()
    concerned = (
        Q(pk__in=Grade.objects.filter(debate=debate).values("student"))
        | Q(pk__in=Feedback.objects.filter(debate=debate, node__isnull=False).values("node__author"))
        | Q(pk__in=Feedback.objects.filter(debate=debate, relation__isnull=False).values("relation__author"))
    )
    return classroom_students(debate.classroom_id).filter(concerned)


@transaction.atomic
def grades_release(*, debate: Debate, teacher) -> GradeBook:
    """Show the debate's feedback and grades to its students, all at once, and tell those
    with a grade or feedback in it (released_to()): the others have nothing to read.
    Conditional, so that two teachers releasing at once notify them once."""
    _check_teacher(debate, teacher)
    book = gradebook(debate)
    now = timezone.now()
    if not GradeBook.objects.filter(pk=book.pk, released_at__isnull=True).update(released_at=now, released_by=teacher):
        _fail("debate", "These grades are already released.", code="already_released")
    book.released_at, book.released_by = now, teacher
    _log(debate, teacher, FeedbackAction.RELEASED)
    notifications.on_released(debate, released_to(debate).values_list("pk", flat=True))
    return book
