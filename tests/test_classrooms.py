"""Classrooms, the home page, debates and sources: the teacher's pages and who may see them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from debates import classrooms, errors
from debates.models import Classroom, Debate, Kind, Membership, Node, Source, Status
from tests.factories import (
    HOSTILE,
    login,
    make_debate,
    make_node,
    make_source,
    make_user,
    messages_of,
    question_of,
    text_of,
)

# --- home ------------------------------------------------------------------------------


def test_home_lists_public_debates_to_visitors_and_hides_classroom_ones(client, debate, public_debate):
    response = client.get("/")
    assert response.status_code == 200
    assert public_debate.question in response.content.decode()
    assert debate.question not in response.content.decode()


def test_home_lists_the_students_classroom_debates_but_not_other_classrooms(client, student, debate, other_classroom):
    hidden = make_debate(classroom=other_classroom, question="A debate of another class?")
    response = login(client, student).get("/")
    assert debate.question in response.content.decode()
    assert hidden.question not in response.content.decode()


def test_home_refuses_post(client):
    assert client.post("/").status_code == 405


def test_home_counts_only_approved_boxes(client, public_debate, student):
    make_node(public_debate, text="Approved one")
    make_node(public_debate, text="Pending one", status=Status.PENDING, author=student)
    assert "2 boxes on the map" in text_of(client.get("/"))  # the question and the approved claim


def test_home_costs_the_same_queries_whatever_the_number_of_debates(
    client, teacher, classroom, django_assert_num_queries
):
    login(client, teacher)
    for n in range(3):
        make_debate(classroom=classroom, question=f"Question {n}?")
    # session, user, debates with their classroom and approved count, the Teachers group ("New debate"),
    # the user's open tasks, the navigation's counts; roles are not needed: visible_to() filters in SQL.
    with django_assert_num_queries(6) as small:
        client.get("/")
    for n in range(7):
        make_debate(classroom=classroom, question=f"More {n}?")
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/").content.decode().count('class="card"') >= 10


# --- classrooms -----------------------------------------------------------------------


def test_teacher_creates_a_classroom_and_sees_its_join_code(client, teacher):
    login(client, teacher)
    response = client.post(reverse("debates:classroom-create"), {"name": "Civics 11A"}, follow=True)
    classroom = Classroom.objects.get(name="Civics 11A")
    assert Membership.objects.filter(classroom=classroom, user=teacher, role="teacher").exists()
    assert classroom.join_code in response.content.decode()
    assert any(classroom.join_code in m for m in messages_of(response))


def test_classroom_create_keeps_the_name_and_names_the_field_when_it_fails(client, teacher):
    login(client, teacher)
    response = client.post(reverse("debates:classroom-create"), {"name": "Bad\x00name"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert response.context["form"].errors["name"]
    assert not Classroom.objects.filter(name__startswith="Bad").exists()


def test_students_and_visitors_cannot_create_classrooms(client, student):
    assert client.get(reverse("debates:classroom-create")).status_code == 302  # to the login page
    login(client, student)
    assert client.get(reverse("debates:classroom-create")).status_code == 404
    assert client.post(reverse("debates:classroom-create"), {"name": "Mine"}).status_code == 404
    assert not Classroom.objects.filter(name="Mine").exists()


def test_classroom_detail_shows_the_code_and_members_to_its_teacher(client, teacher, classroom, student):
    response = login(client, teacher).get(classroom.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert classroom.join_code in page
    assert student.username in page


def test_classroom_detail_hides_the_code_from_students(client, student, classroom, debate):
    response = login(client, student).get(classroom.get_absolute_url())
    assert response.status_code == 200
    assert classroom.join_code not in response.content.decode()
    assert debate.question in response.content.decode()


def test_classroom_detail_is_404_for_outsiders_and_other_teachers(client, outsider, other_teacher, classroom):
    assert login(client, outsider).get(classroom.get_absolute_url()).status_code == 404
    assert login(Client(), other_teacher).get(classroom.get_absolute_url()).status_code == 404
    assert Client().get(classroom.get_absolute_url()).status_code == 302


def test_classroom_list_shows_the_users_classrooms_only(client, student, classroom, other_classroom):
    response = login(client, student).get(reverse("debates:classroom-list"))
    assert classroom.name in response.content.decode()
    assert other_classroom.name not in response.content.decode()
    assert client.post(reverse("debates:classroom-list")).status_code == 405


def test_teacher_regenerates_the_join_code_and_the_old_one_stops_working(client, teacher, classroom):
    old = classroom.join_code
    response = login(client, teacher).post(
        reverse("debates:classroom-regenerate-code", args=[classroom.pk]), follow=True
    )
    classroom.refresh_from_db()
    assert classroom.join_code != old
    assert classroom.join_code in response.content.decode()
    newcomer = make_user("newcomer")
    response = login(Client(), newcomer).post(reverse("debates:classroom-join"), {"code": old})
    assert response.status_code == 400
    assert "No classroom has that join code" in response.content.decode()


def test_regenerating_the_code_needs_post_and_a_teacher(client, teacher, student, other_teacher, classroom):
    url = reverse("debates:classroom-regenerate-code", args=[classroom.pk])
    old = classroom.join_code
    assert login(client, teacher).get(url).status_code == 405
    assert login(Client(), student).post(url).status_code == 404
    assert login(Client(), other_teacher).post(url).status_code == 404
    assert Client().post(url).status_code == 302
    classroom.refresh_from_db()
    assert classroom.join_code == old


def test_student_joins_a_further_classroom_with_its_code(client, student, other_classroom):
    code = other_classroom.join_code.lower()[:4] + "-" + other_classroom.join_code.lower()[4:]
    response = login(client, student).post(reverse("debates:classroom-join"), {"code": code}, follow=True)
    assert Membership.objects.filter(user=student, classroom=other_classroom, role="student").exists()
    assert f"You joined {other_classroom.name}." in messages_of(response)


@pytest.mark.parametrize("who", ["student", "teacher"])
def test_joining_a_classroom_one_is_in_already_says_so_and_changes_nothing(client, request, who, classroom):
    user = request.getfixturevalue(who)
    before = list(Membership.objects.values_list("pk", "user", "classroom", "role"))
    response = login(client, user).post(reverse("debates:classroom-join"), {"code": classroom.join_code}, follow=True)
    assert messages_of(response) == [f"You are already in {classroom.name}."]
    assert list(Membership.objects.values_list("pk", "user", "classroom", "role")) == before
    assert classrooms.classroom_join(user=user, code=classroom.join_code) == (classroom, False)


def test_joining_with_a_wrong_code_says_so_and_keeps_the_code(client, student):
    response = login(client, student).post(reverse("debates:classroom-join"), {"code": "WRONG123"})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["No classroom has that join code. Check it with your teacher."]
    assert 'value="WRONG123"' in response.content.decode()


def test_join_page_needs_a_login_and_refuses_put(client, student):
    response = client.get(reverse("debates:classroom-join"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert login(client, student).put(reverse("debates:classroom-join")).status_code == 405


# --- debates --------------------------------------------------------------------------


def test_teacher_creates_a_debate_in_their_classroom_then_adds_a_source(client, teacher, classroom):
    login(client, teacher)
    assert client.get(reverse("debates:debate-create")).status_code == 200
    response = client.post(
        reverse("debates:debate-create"), {"question": "Should schools ban phones?", "classroom": classroom.pk}
    )
    debate = Debate.objects.get(question="Should schools ban phones?")
    assert debate.classroom == classroom
    assert response["Location"] == reverse("debates:source-create", args=[debate.slug])
    assert debate.nodes.get(kind=Kind.QUESTION).status == Status.APPROVED


def test_teacher_cannot_create_a_debate_in_another_teachers_classroom(client, teacher, other_classroom):
    login(client, teacher)
    response = client.post(reverse("debates:debate-create"), {"question": "Sneaky?", "classroom": other_classroom.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["classroom"]
    assert "Sneaky?" in response.content.decode()
    assert not Debate.objects.filter(question="Sneaky?").exists()


def test_students_cannot_create_debates(client, student, classroom):
    login(client, student)
    assert client.get(reverse("debates:debate-create")).status_code == 404
    assert (
        client.post(reverse("debates:debate-create"), {"question": "Mine?", "classroom": classroom.pk}).status_code
        == 404
    )


def test_teacher_closes_and_reopens_a_debate(client, teacher, debate):
    login(client, teacher)
    url = reverse("debates:debate-close", args=[debate.slug])
    response = client.post(url, {"is_open": "0"}, follow=True)
    debate.refresh_from_db()
    assert not debate.is_open
    assert "The debate is closed: it accepts no more contributions." in messages_of(response)
    client.post(url, {"is_open": "1"})
    debate.refresh_from_db()
    assert debate.is_open


def test_a_bare_post_closes_and_a_bad_value_is_refused(client, teacher, debate):
    login(client, teacher)
    url = reverse("debates:debate-close", args=[debate.slug])
    response = client.post(url, {"is_open": "maybe"})
    assert messages_of(response) == ["Choose whether to close or reopen the debate."]
    debate.refresh_from_db()
    assert debate.is_open
    client.post(url)
    debate.refresh_from_db()
    assert not debate.is_open


def test_closing_needs_post_and_a_moderator(client, teacher, student, outsider, debate):
    url = reverse("debates:debate-close", args=[debate.slug])
    assert login(client, teacher).get(url).status_code == 405
    assert login(Client(), student).post(url, {"is_open": "0"}).status_code == 404
    assert login(Client(), outsider).post(url, {"is_open": "0"}).status_code == 404
    assert Client().post(url, {"is_open": "0"}).status_code == 302
    debate.refresh_from_db()
    assert debate.is_open


# --- sources --------------------------------------------------------------------------


def _source_data(**extra):
    return {"title": "An op-ed", "author": "A. Writer", "outlet": "Dawn", "published": "2023-02-19", **extra}


def test_teacher_pastes_a_source_and_lands_on_its_page(client, teacher, debate):
    login(client, teacher)
    text = "First paragraph.\r\n\r\nSecond paragraph with “quotes”."
    response = client.post(reverse("debates:source-create", args=[debate.slug]), _source_data(text=text), follow=True)
    source = Source.objects.get(title="An op-ed")
    assert source.text == "First paragraph.\n\nSecond paragraph with “quotes”."
    assert debate.sources.filter(pk=source.pk).exists()
    assert response.request["PATH_INFO"] == source.get_absolute_url()
    assert f"Source added to “{debate.question}”." in messages_of(response)


def test_teacher_uploads_a_utf8_text_file(client, teacher, debate):
    login(client, teacher)
    upload = SimpleUploadedFile("oped.txt", "\ufeffاردو and English.\n\nTwo.".encode())
    client.post(reverse("debates:source-create", args=[debate.slug]), _source_data(file=upload))
    assert Source.objects.get(title="An op-ed").text == "اردو and English.\n\nTwo."


def test_a_non_utf8_upload_is_refused_with_a_clear_message(client, teacher, debate):
    login(client, teacher)
    upload = SimpleUploadedFile("oped.txt", "café".encode("latin-1"))
    response = client.post(reverse("debates:source-create", args=[debate.slug]), _source_data(file=upload))
    assert response.status_code == 400
    assert "not UTF-8" in response.context["form"].errors["file"][0]
    assert 'value="A. Writer"' in response.content.decode()  # what was typed is kept
    assert not Source.objects.filter(title="An op-ed").exists()


def test_a_source_over_the_size_limit_is_refused_with_a_clear_message(client, teacher, debate, settings):
    settings.SOURCE_MAX_CHARS = 100
    login(client, teacher)
    response = client.post(reverse("debates:source-create", args=[debate.slug]), _source_data(text="x" * 101))
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["The text is 101 characters; the limit is 100."]
    upload = SimpleUploadedFile("big.txt", b"y" * 500)
    response = client.post(reverse("debates:source-create", args=[debate.slug]), _source_data(file=upload))
    assert "the limit is 100 characters" in response.context["form"].errors["file"][0]


def test_a_source_needs_text_and_refuses_nul(client, teacher, debate):
    login(client, teacher)
    url = reverse("debates:source-create", args=[debate.slug])
    assert "Paste the op-ed's text" in client.post(url, _source_data(text="  ")).context["form"].errors["text"][0]
    assert (
        "a NUL character at position 2"
        in client.post(url, _source_data(text="a\x00b")).context["form"].errors["text"][0]
    )
    upload = SimpleUploadedFile("oped.pdf", b"%PDF")
    assert client.post(url, _source_data(file=upload)).context["form"].errors["file"] == [
        "Upload a plain-text .txt file."
    ]


def test_students_cannot_add_sources(client, student, outsider, debate):
    url = reverse("debates:source-create", args=[debate.slug])
    assert login(client, student).get(url).status_code == 404
    assert client.post(url, _source_data(text="Mine")).status_code == 404
    assert login(Client(), outsider).get(url).status_code == 404
    assert not Source.objects.filter(title="An op-ed").exists()


def test_source_page_highlights_approved_quotes_linked_to_their_nodes(client, student, other_student, debate):
    approved = make_node(debate, kind=Kind.EVIDENCE, text="Many died", quote="killed more than 100 people")
    pending = make_node(
        debate,
        kind=Kind.EVIDENCE,
        text="Talks failed",
        quote="all attempts at negotiating",
        status=Status.PENDING,
        author=other_student,
    )
    source = debate.sources.get()
    response = login(client, student).get(source.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{approved.get_absolute_url()}" title="Many died">killed more than 100 people</a></mark>' in page
    assert pending.get_absolute_url() not in page
    assert "Use as evidence" in page
    assert "js/source.js" in page


def test_source_paragraph_offsets_match_the_text(client, student, debate):
    source = debate.sources.get()
    page = login(client, student).get(source.get_absolute_url()).content.decode()
    second = source.text.index("Thus far")
    assert f'<p data-start="{second}">Thus far' in page


def test_source_page_for_visitors_of_a_public_debate_has_no_contribution_form(client, public_debate):
    source = public_debate.sources.get()
    response = client.get(source.get_absolute_url())
    assert response.status_code == 200
    assert "evidence-form" not in response.content.decode()


def test_source_page_is_404_for_outsiders_and_visitors_of_a_classroom_debate(client, outsider, debate):
    source = debate.sources.get()
    assert client.get(source.get_absolute_url()).status_code == 404
    assert login(client, outsider).get(source.get_absolute_url()).status_code == 404
    assert client.post(source.get_absolute_url()).status_code == 405


def test_source_page_escapes_hostile_text(client, teacher, debate):
    source = make_source(text=HOSTILE, title="<i>Title</i>")
    debate.sources.add(source)
    page = login(client, teacher).get(source.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<i>Title</i>" not in page


def test_source_page_costs_the_same_queries_whatever_the_number_of_quotes(
    client, student, debate, django_assert_num_queries
):
    login(client, student)
    source = debate.sources.get()
    quotes = ["killed more than 100 people", "all attempts at negotiating", "military solution"]
    for quote in quotes:
        make_node(debate, kind=Kind.EVIDENCE, quote=quote)
    # source, session, user, visible debates, approved quotes with their nodes and debates,
    # the user's roles (may they contribute?), the navigation's counts
    with django_assert_num_queries(7):
        response = client.get(source.get_absolute_url())
    assert response.content.decode().count("<mark ") == 3
    for quote in ["Poverty, illiteracy", "political instability", "extremism can thrive"]:
        make_node(debate, kind=Kind.EVIDENCE, quote=quote)
    with django_assert_num_queries(7):
        response = client.get(source.get_absolute_url())
    assert response.content.decode().count("<mark ") == 6


# --- create_teacher --------------------------------------------------------------------


def test_create_teacher_makes_a_teacher_and_prints_a_generated_password(db, capsys):
    call_command("create_teacher", "ms-khan")
    output = capsys.readouterr().out
    password = output.split("Password: ")[1].strip()
    user = Node._meta.apps.get_model("auth", "User").objects.get(username="ms-khan")
    assert user.check_password(password)
    assert user.groups.filter(name="Teachers").exists()


def test_create_teacher_with_a_password_and_a_bad_one(db):
    call_command("create_teacher", "mr-ali", password="a-long-enough-password-42")
    user = Node._meta.apps.get_model("auth", "User").objects.get(username="mr-ali")
    assert user.check_password("a-long-enough-password-42")
    with pytest.raises(CommandError, match="password"):
        call_command("create_teacher", "mr-short", password="123")
    with pytest.raises(CommandError, match="username"):
        call_command("create_teacher", "bad name!", password="a-long-enough-password-42")


def test_classroom_pages_cost_the_same_queries_whatever_their_size(
    client, teacher, classroom, django_assert_num_queries
):
    login(client, teacher)

    def grow(n):
        for _ in range(n):
            make_debate(classroom=classroom)
            Membership.objects.create(classroom=classroom, user=make_user(), role="student")
            Membership.objects.create(classroom=make_classroom_for(teacher), user=teacher, role="teacher")

    grow(3)
    # detail: session, user, classroom, the user's roles, members with users, debates, the navigation's counts
    # list: session, user, memberships with classrooms, the Teachers group (the "New classroom" button),
    # the navigation's counts
    with django_assert_num_queries(7):
        client.get(classroom.get_absolute_url())
    with django_assert_num_queries(5):
        client.get(reverse("debates:classroom-list"))
    grow(7)
    with django_assert_num_queries(7):
        assert client.get(classroom.get_absolute_url()).content.decode().count("<tr>") == 1 + 2 + 10 + 1
    with django_assert_num_queries(5):
        assert client.get(reverse("debates:classroom-list")).content.decode().count('class="card"') == 11


def make_classroom_for(teacher):
    return Classroom.objects.create(name=f"Extra {Classroom.objects.count()}")


def test_source_paragraphs_cover_the_text_exactly_with_overlapping_quotes():
    from debates.views import _source_paragraphs

    text = "Alpha beta gamma.\n\nDelta epsilon\nzeta.\n\n\nEta."
    outer, inner = object(), object()
    spans = [(6, 30, outer), (10, 16, inner)]  # outer crosses a paragraph break; inner sits inside it
    paragraphs = _source_paragraphs(text, spans)
    assert [(p["start"], p["end"]) for p in paragraphs] == [(0, 17), (19, 38), (41, 45)]
    for paragraph in paragraphs:
        assert "".join(run["text"] for run in paragraph["runs"]) == text[paragraph["start"] : paragraph["end"]]
        for run in paragraph["runs"]:
            assert text[run["start"] : run["start"] + len(run["text"])] == run["text"]
    runs = [(run["text"], run["payload"]) for run in paragraphs[0]["runs"]]
    assert runs == [("Alpha ", None), ("beta", outer), (" gamma", inner), (".", outer)]
    assert [(r["text"], r["payload"]) for r in paragraphs[1]["runs"]] == [("Delta epsil", outer), ("on\nzeta.", None)]


# --- the set-up workflow (classrooms.py) ------------------------------------------------


def test_debate_create_makes_the_question_node_and_checks_the_classroom(teacher, other_teacher, classroom):
    debate = classrooms.debate_create(created_by=teacher, question="Should we?", classroom=classroom)
    assert debate.slug == "should-we"
    question = question_of(debate)
    assert (question.text, question.status, question.author) == ("Should we?", "approved", teacher)
    with pytest.raises(errors.NotAllowed):
        classrooms.debate_create(created_by=other_teacher, question="Mine?", classroom=classroom)


def test_debate_update_renames_the_question_node_and_closes(debate, teacher, student):
    classrooms.debate_update(debate=debate, user=teacher, question="A better question?", is_open=False)
    assert question_of(debate).text == "A better question?"
    assert Debate.objects.get(pk=debate.pk).is_open is False
    with pytest.raises(errors.NotAllowed):
        classrooms.debate_update(debate=debate, user=student, is_open=True)


def test_source_add_keeps_text_exactly_and_refuses_bad_input(debate, teacher, student):
    source = classrooms.source_add(added_by=teacher, title="Op-ed", text="  Line one.\r\n\r\nLine two. ", debate=debate)
    assert source.text == "  Line one.\n\nLine two. "
    assert debate.sources.filter(pk=source.pk).exists()
    with pytest.raises(errors.ModerationError):
        classrooms.source_add(added_by=student, title="Mine", text="x", debate=debate)
    with pytest.raises(Exception) as info:
        classrooms.source_add(added_by=teacher, title="Bad", text="nul\x00here", debate=debate)
    assert "NUL" in str(info.value)
