"""/api/classrooms/: the user's own classrooms; join with a code; teachers open classrooms."""

import pytest

from debates.models import Classroom, Membership
from tests.factories import api_client, errors, make_classroom, make_user


def test_student_lists_their_classrooms_without_join_codes(classroom, other_classroom, student):
    rows = api_client(student).get("/api/classrooms/").json()["results"]
    assert [(row["name"], row["role"], row["join_code"]) for row in rows] == [("Civics 10B", "student", None)]


def test_teacher_sees_the_join_code_of_their_classroom(classroom, teacher):
    rows = api_client(teacher).get("/api/classrooms/").json()["results"]
    assert rows[0]["join_code"] == classroom.join_code and rows[0]["role"] == "teacher"


def test_another_classroom_is_a_404(classroom, outsider):
    assert api_client(outsider).get(f"/api/classrooms/{classroom.pk}/").status_code == 404


def test_visitors_have_no_classrooms(db):
    assert api_client().get("/api/classrooms/").status_code == 401


def test_a_student_joins_with_a_code_typed_loosely_and_then_sees_its_debates(classroom, debate):
    newcomer = make_user("newcomer")
    client = api_client(newcomer)
    assert client.get(f"/api/debates/{debate.slug}/").status_code == 404
    code = classroom.join_code.lower()
    response = client.post("/api/classrooms/join/", {"code": f" {code[:4]}-{code[4:]} "})
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "student" and response.json()["join_code"] is None
    assert client.get(f"/api/debates/{debate.slug}/").status_code == 200


def test_a_wrong_code_is_a_400_naming_the_code(db):
    response = api_client(make_user()).post("/api/classrooms/join/", {"code": "NOPE2345"})
    assert response.status_code == 400
    assert "No classroom has that join code" in errors(response)["code"][0]


def test_joining_twice_keeps_one_membership(classroom, student):
    client = api_client(student)
    assert client.post("/api/classrooms/join/", {"code": classroom.join_code}).status_code == 200
    assert Membership.objects.filter(classroom=classroom, user=student).count() == 1


def test_join_is_post_only_and_needs_a_user(classroom):
    assert api_client(make_user()).get("/api/classrooms/join/").status_code == 405
    assert api_client().post("/api/classrooms/join/", {"code": classroom.join_code}).status_code == 401


def test_teacher_opens_a_classroom(teacher):
    response = api_client(teacher).post("/api/classrooms/", {"name": "Debate club"})
    assert response.status_code == 201
    assert response.json()["role"] == "teacher" and len(response.json()["join_code"]) == 8


def test_a_student_cannot_open_a_classroom(student):
    assert api_client(student).post("/api/classrooms/", {"name": "Mine"}).status_code == 403
    assert not Classroom.objects.filter(name="Mine").exists()


@pytest.mark.parametrize("size", [3, 10])
def test_classroom_list_costs_the_same_queries_whatever_the_number(django_assert_num_queries, student, size):
    for _ in range(size):
        make_classroom(students=[student])
    client = api_client(student)
    # token + user; roles; page count; the classrooms.
    with django_assert_num_queries(4):
        assert client.get("/api/classrooms/").json()["count"] == size
