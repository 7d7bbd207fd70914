"""Activity per student: the page, the CSV, the API; who may see them; fixed query counts."""

import csv
import io

import pytest
from django.urls import reverse

from debates import moderation
from debates.models import Action, Membership
from debates.teaching import feedback
from debates.teaching.views import csv_cell
from tests.factories import (
    api_client,
    login,
    make_debate,
    make_node,
    make_user,
    submit_claim,
    submit_evidence,
    text_of,
)


def activity_url(classroom, **query):
    url = reverse("debates:classroom-activity", args=[classroom.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def worked(debate, teacher, student, other_student):
    """student: one approved claim, one evidence rejected as misquoted, one returned claim, one pending link;
    other_student: nothing."""
    approved = submit_claim(debate, student, text="Approved claim")
    moderation.item_decide(item=approved, moderator=teacher, action=Action.APPROVED)
    rejected = submit_evidence(debate, student, passage="killed more than 100 people", text="Many died.")
    moderation.item_decide(item=rejected, moderator=teacher, action=Action.REJECTED, reason="misquoted")
    returned = submit_claim(debate, student, text='=HYPERLINK("http://evil")')
    moderation.item_decide(item=returned, moderator=teacher, action=Action.RETURNED, note="Say more.")
    other = make_node(debate, text="Teacher's claim", author=teacher)
    moderation.relation_submit(author=student, source=approved, target=other, kind="opposes")
    return {"approved": approved, "rejected": rejected, "returned": returned}


def test_teacher_sees_one_row_per_student_with_counts_reasons_and_links(client, teacher, student, worked, debate):
    response = login(client, teacher).get(activity_url(debate.classroom))
    assert response.status_code == 200
    page = response.content.decode()
    rows = {row.student.username: row for row in response.context["rows"]}
    assert set(rows) == {"student", "other_student"}
    row = rows["student"]
    assert row.by_status == {"pending": 1, "approved": 1, "returned": 1, "rejected": 1, "withdrawn": 0}
    assert row.by_kind == {"position": 0, "claim": 2, "evidence": 1, "link": 1}
    assert row.quoted_evidence == 1 and row.returned == 1 and row.reasons == {"misquoted": 1}
    assert row.last_activity is not None
    assert rows["other_student"].total == 0 and rows["other_student"].last_activity is None
    items = reverse("debates:student-items", args=[debate.classroom.pk, student.pk])
    assert f"{items}?debate=&amp;status=returned" in page
    assert f"{items}?debate=&amp;reason=misquoted" in page


def test_the_debate_filter_narrows_the_rows_and_an_unknown_slug_is_404(client, teacher, student, worked, debate):
    other = make_debate(classroom=debate.classroom, created_by=teacher, slug="second")
    submit_claim(other, student, text="Elsewhere")
    login(client, teacher)
    rows = client.get(activity_url(debate.classroom, debate="second")).context["rows"]
    assert next(r for r in rows if r.student == student).total == 1
    assert client.get(activity_url(debate.classroom)).context["rows"][1].total == 5
    assert client.get(activity_url(debate.classroom, debate="nope")).status_code == 404


def test_activity_is_404_for_students_other_teachers_and_a_login_for_visitors(
    client, student, other_teacher, other_classroom, debate
):
    url = activity_url(debate.classroom)
    assert client.get(url).status_code == 302
    assert login(client, student).get(url).status_code == 404
    assert login(client, other_teacher).get(url).status_code == 404
    assert login(client, other_teacher).get(url.replace("activity/", "activity.csv")).status_code == 404


def test_activity_refuses_post(client, teacher, debate):
    assert login(client, teacher).post(activity_url(debate.classroom)).status_code == 405


def test_csv_carries_counts_and_grades_and_defuses_formulas(client, teacher, student, worked, debate):
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="7.5", comment="Good")
    Membership.objects.create(classroom=debate.classroom, user=make_user("=cmd|calc"), role="student")
    response = login(client, teacher).get(reverse("debates:classroom-activity-csv", args=[debate.classroom.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    header, rows = lines[0], {line[0]: dict(zip(lines[0], line, strict=True)) for line in lines[1:]}
    assert f"grade:{debate.slug}" in header
    assert rows["student"]["status:rejected"] == "1" and rows["student"][f"grade:{debate.slug}"] == "7.5/10"
    assert rows["student"]["rejection_reasons"] == "misquoted:1"
    assert "'=cmd|calc" in rows


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_a_csv_cell_that_a_spreadsheet_would_run_starts_with_an_apostrophe(value):
    assert csv_cell(value) == "'" + value
    assert csv_cell("plain =1") == "plain =1" and csv_cell(3) == "3"


def test_teacher_sees_a_students_items_filtered_by_status(client, teacher, student, worked, debate):
    url = reverse("debates:student-items", args=[debate.classroom.pk, student.pk])
    login(client, teacher)
    page = text_of(client.get(url + "?status=returned"))
    assert "HYPERLINK" in page and "Approved claim" not in page
    assert "Many died." in text_of(client.get(url + "?reason=misquoted"))
    assert client.get(url + "?status=bogus").status_code == 400


def test_a_students_items_are_404_to_other_teachers_and_students(client, student, other_student, other_teacher, debate):
    url = reverse("debates:student-items", args=[debate.classroom.pk, student.pk])
    assert login(client, other_student).get(url).status_code == 404
    assert login(client, other_teacher).get(url).status_code == 404


def test_api_activity_gives_the_same_rows_to_teachers_only(teacher, student, other_teacher, worked, debate):
    url = f"/api/classrooms/{debate.classroom.pk}/activity/"
    body = api_client(teacher).get(url).json()
    row = next(r for r in body if r["student"] == "student")
    assert row["by_status"]["rejected"] == 1 and row["reasons"] == {"misquoted": 1} and row["returned"] == 1
    assert api_client(student).get(url).status_code == 404
    assert api_client(other_teacher).get(url).status_code == 404
    assert api_client(teacher).get(url + "?debate=nope").status_code == 404


def grow_class(classroom, debate, teacher, size):
    for n in range(size):
        pupil = make_user()
        Membership.objects.create(classroom=classroom, user=pupil, role="student")
        node = submit_claim(debate, pupil, text=f"Claim {n}")
        action = [Action.APPROVED, Action.REJECTED, Action.RETURNED][n % 3]
        moderation.item_decide(item=node, moderator=teacher, action=action, reason="unclear", note="More.")
        feedback.grade_save(debate=debate, student=pupil, teacher=teacher, score=n % 10)


@pytest.mark.parametrize("size", [3, 30])
def test_activity_page_csv_and_api_cost_the_same_queries_for_3_or_30_students(
    client, teacher, classroom, debate, size, django_assert_num_queries
):
    grow_class(classroom, debate, teacher, size)
    login(client, teacher)
    # session, user, classroom, the user's roles, the classroom's debates; activity: students,
    # node counts, link counts, rejection reasons, last activity, scales, grades; the navigation's counts
    with django_assert_num_queries(13):
        assert client.get(activity_url(classroom)).status_code == 200
    # the same but the navigation
    with django_assert_num_queries(12):
        assert client.get(reverse("debates:classroom-activity-csv", args=[classroom.pk])).status_code == 200
    api = api_client(teacher)
    # token + user, roles, classroom, its debates, the seven activity queries
    with django_assert_num_queries(11):
        assert len(api.get(f"/api/classrooms/{classroom.pk}/activity/").json()) == size + 2


def test_a_withdrawn_contribution_is_counted_on_the_page_the_csv_and_the_api(client, teacher, student, debate):
    # Every status a contribution can reach has a column: a withdrawal once made the page,
    # the CSV and the API fail.
    mine = submit_claim(debate, student, text="Taken back")
    moderation.item_withdraw(item=mine, user=student)
    login(client, teacher)
    assert client.get(activity_url(debate.classroom)).status_code == 200
    response = client.get(reverse("debates:classroom-activity-csv", args=[debate.classroom.pk]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert next(r for r in rows if r["student"] == "student")["status:withdrawn"] == "1"
    body = api_client(teacher).get(f"/api/classrooms/{debate.classroom.pk}/activity/").json()
    assert next(r for r in body if r["student"] == "student")["by_status"]["withdrawn"] == 1
