"""Group copies: a debate copied for small groups; each group sees only its own copy."""

import re
from html import unescape

import pytest
from django.urls import reverse

from debates import moderation, permissions
from debates.errors import ModerationError, NotAllowed
from debates.models import Action, Debate, GroupCopy, Kind, Membership, Notification, NotificationKind, Relation
from debates.teaching import activity, feedback, groups, tasks
from tests.factories import api_client, login, make_debate, make_node, make_user, submit_claim, text_of


@pytest.fixture
def third_student(classroom):
    """In `classroom`, in neither group."""
    user = make_user("third_student")
    Membership.objects.create(classroom=classroom, user=user, role="student")
    return user


@pytest.fixture
def copied(debate, teacher, student, other_student, third_student):
    """Two group debates: A with `student`, B with `other_student`."""
    claim = make_node(debate, text="Approved claim", author=teacher)
    make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people", target=claim, text="Deaths")
    submit_claim(debate, student, text="Pending claim")  # not copied
    made = groups.groups_create(
        origin=debate,
        teacher=teacher,
        groups=[groups.GroupSpec("Group A", (student,)), groups.GroupSpec("Group B", (other_student,))],
    )
    return {"a": made[0], "b": made[1]}


def test_a_copy_carries_the_question_sources_and_approved_content_only(debate, copied):
    group = copied["a"]
    assert group.question == debate.question and group.classroom_id == debate.classroom_id
    assert list(group.sources.all()) == list(debate.sources.all())
    texts = sorted(group.nodes.values_list("text", flat=True))
    assert texts == sorted([debate.question, "Approved claim", "Deaths"])
    evidence = group.nodes.get(kind=Kind.EVIDENCE)
    assert evidence.quote.text == "killed more than 100 people"
    assert Relation.objects.filter(debate=group, source=evidence, target__text="Approved claim").exists()
    assert GroupCopy.objects.get(debate=group).origin == debate


def test_each_group_sees_its_own_copy_and_teachers_see_all(client, debate, teacher, student, third_student, copied):
    a, b = copied["a"], copied["b"]
    assert set(Debate.objects.visible_to(student).filter(classroom=debate.classroom)) == {debate, a}
    assert set(Debate.objects.visible_to(third_student).filter(classroom=debate.classroom)) == {debate}
    assert set(Debate.objects.visible_to(teacher).filter(classroom=debate.classroom)) == {debate, a, b}
    login(client, student)
    assert client.get(a.get_absolute_url()).status_code == 200
    assert client.get(b.get_absolute_url()).status_code == 404
    assert client.get(reverse("debates:node-create", args=[b.slug])).status_code == 404
    fresh = type(student).objects.get(pk=student.pk)  # as on a request: no roles cached from before the copy
    assert not permissions.can_contribute(fresh, Debate.objects.get(pk=b.pk))
    assert login(client, teacher).get(b.get_absolute_url()).status_code == 200


def test_the_api_hides_another_groups_debate(student, copied):
    slugs = {d["slug"] for d in api_client(student).get("/api/debates/").json()["results"]}
    assert copied["a"].slug in slugs and copied["b"].slug not in slugs
    assert api_client(student).get(f"/api/debates/{copied['b'].slug}/").status_code == 404


def test_a_groups_moderation_activity_and_grades_are_its_own(debate, teacher, student, copied):
    node = submit_claim(copied["a"], student, text="In group A")
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    rows = {r.student.username: r for r in activity.activity_rows(debate.classroom, [copied["a"]])}
    assert rows["student"].by_status["approved"] == 1
    assert rows["student"].by_status["pending"] == 0  # the origin's pending claim is not counted here
    assert list(activity.students_of(copied["a"])) == [student]


def test_groups_are_refused_for_outsiders_twice_listed_students_and_non_teachers(
    debate, teacher, student, other_teacher, outsider, other_classroom
):
    with pytest.raises(NotAllowed):
        groups.groups_create(origin=debate, teacher=other_teacher, groups=[groups.GroupSpec("A", (student,))])
    with pytest.raises(ModerationError, match="not a student"):
        groups.groups_create(origin=debate, teacher=teacher, groups=[groups.GroupSpec("A", (outsider,))])
    with pytest.raises(ModerationError, match="in both"):
        groups.groups_create(
            origin=debate,
            teacher=teacher,
            groups=[groups.GroupSpec("A", (student,)), groups.GroupSpec("B", (student,))],
        )
    assert Debate.objects.count() == 1  # nothing half-made


def test_a_student_named_twice_in_one_group_is_refused_naming_that_group(client, debate, teacher, student):
    login(client, teacher)
    response = client.post(
        reverse("debates:debate-groups", args=[debate.slug]), {"groups": "Group A: student, student"}
    )
    assert response.status_code == 400
    assert "Groups: student is named twice in “Group A”." in text_of(response)
    assert Debate.objects.count() == 1


def test_a_student_in_a_copy_from_an_earlier_batch_is_refused_naming_that_group(
    debate, teacher, student, other_student
):
    groups.groups_create(origin=debate, teacher=teacher, groups=[groups.GroupSpec("Group A", (student,))])
    with pytest.raises(ModerationError, match="student is already in this debate's group “Group A”"):
        groups.groups_create(
            origin=debate, teacher=teacher, groups=[groups.GroupSpec("Group B", (other_student, student))]
        )
    assert Debate.objects.count() == 2  # nothing more made
    # Another debate's copies are no matter.
    other = make_debate(classroom=debate.classroom, slug="other-debate")
    groups.groups_create(origin=other, teacher=teacher, groups=[groups.GroupSpec("Group A", (student,))])


def test_group_page_makes_groups_from_lines_and_names_a_bad_line(client, debate, teacher, student, other_student):
    url = reverse("debates:debate-groups", args=[debate.slug])
    login(client, teacher)
    response = client.post(url, {"groups": "Group A: student\nGroup B: nobody"})
    assert response.status_code == 400 and "Line 2: no student of this classroom is called “nobody”" in text_of(
        response
    )
    response = client.post(url, {"groups": "Group A: student\nGroup B: other_student"})
    assert response.status_code == 302
    assert "Group A" in text_of(client.get(url)) and GroupCopy.objects.count() == 2


def test_group_page_by_role(client, debate, student, other_teacher):
    url = reverse("debates:debate-groups", args=[debate.slug])
    assert client.get(url).status_code == 302
    assert login(client, student).get(url).status_code == 404
    assert login(client, other_teacher).post(url, {"groups": "A: student"}).status_code == 404


def test_copies_are_told_apart_by_their_group_name_and_list_only_to_their_group(client, debate, student, copied):
    login(client, student)
    classroom_page = client.get(reverse("debates:classroom-detail", args=[debate.classroom.pk])).content.decode()
    assert "Group A" in classroom_page and "Group B" not in classroom_page
    assert copied["b"].get_absolute_url() not in classroom_page
    assert "Group A" in client.get(reverse("debates:home")).content.decode()
    assert "Group A" in client.get(copied["a"].get_absolute_url()).content.decode()
    assert Debate.objects.get(pk=debate.pk).group_name == ""


def test_copied_content_is_the_teachers_so_a_students_work_counts_once(debate, teacher, student, copied):
    made_by = set(copied["a"].nodes.values_list("author", flat=True)) | set(
        copied["a"].relations.values_list("author", flat=True)
    )
    assert made_by == {teacher.pk}


def test_a_copy_carries_the_objections_to_its_links_too(debate, teacher, student):
    claim = make_node(debate, text="Claim under attack", author=teacher)
    evidence = make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people", target=claim, text="Deaths")
    arrow = Relation.objects.get(source=evidence, target=claim)
    objection = make_node(debate, text="Deaths do not show this", author=teacher)
    undercut = moderation.relation_submit(author=teacher, source=objection, target_relation=arrow, kind="opposes")
    assert undercut.status == "approved"
    (copy,) = groups.groups_create(origin=debate, teacher=teacher, groups=[groups.GroupSpec("Group A", (student,))])
    copied = Relation.objects.get(debate=copy, target_relation__isnull=False)
    assert copied.source.text == "Deaths do not show this"
    assert (copied.target_relation.source.text, copied.target_relation.target.text) == ("Deaths", "Claim under attack")


# --- A group's debate is named by its group wherever a page or a notice names it -------------


def _options(html: str, name: str) -> list[str]:
    """The labels of the <select name=`name`>'s options, as shown."""
    select = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return [unescape(label).strip() for label in re.findall(r"<option[^>]*>(.*?)</option>", select[1], re.S)]


def test_the_queue_names_each_copy_by_its_group_in_its_filter_and_cards_at_a_fixed_cost(
    client, debate, teacher, student, other_student, copied, django_assert_num_queries
):
    question = debate.question
    submit_claim(copied["a"], student, text="Claim made in group A")
    submit_claim(copied["b"], other_student, text="Claim made in group B")
    login(client, teacher)
    # Expect 11 queries, each debate's group copy joined (none per debate or card):
    # - the session; the user; the Teachers group (the queue's owner)
    # - the students whose work the teacher moderates; the debates they moderate (filter choices)
    # - the queue's length; the page's keys in queue order
    # - the page's nodes with debate, its group copy, author and quote; the arrows submitted with them
    # - the approved boxes and arrows of the page's debates, for the outline numbers (one UNION)
    # - the navigation's counts
    with django_assert_num_queries(11):
        response = client.get("/moderation/")
    debates = _options(response.content.decode(), "debate")
    assert debates == ["Every debate", question, f"{question} (Group A)", f"{question} (Group B)"]
    page = text_of(response)
    assert "Claim made in group A" in page and f"in {question} (Group A)" in page
    assert f"in {question} (Group B)" in page
    assert f"in {question} " + "(Group B)" not in page.split("Claim made in group A")[0]


def test_teachers_notices_and_pages_name_a_copy_by_its_group(client, debate, teacher, student, copied):
    copy, group = copied["a"], f"{debate.question} (Group A)"
    submit_claim(copy, student, text="Claim made in group A")
    told = Notification.objects.get(recipient=teacher, kind=NotificationKind.PENDING, debate=copy)
    assert group in told.text
    login(client, teacher)
    assert group in text_of(client.get(reverse("debates:notifications")))
    for name in ("debates:debate-grades", "debates:task-list"):
        page = client.get(reverse(name, args=[copy.slug])).content.decode()
        assert f"<title>{name == 'debates:task-list' and 'Tasks' or 'Grades'} · {group}" in unescape(page)
    task = tasks.task_create(debate=copy, teacher=teacher, text="Find evidence")
    assert group in text_of(client.get(task.get_absolute_url()))
    items = reverse("debates:student-items", args=[debate.classroom.pk, student.pk])
    assert f"In {group}" in text_of(client.get(items))
    # The name is bidi-isolated (<bdi>), which text_of() reads as spaces.
    assert re.search(rf"In “\s*{re.escape(group)}\s*”", text_of(client.get(items, {"debate": copy.slug})))
    activity_url = reverse("debates:classroom-activity", args=[debate.classroom.pk])
    chosen = client.get(activity_url, {"debate": copy.slug}).content.decode()
    assert f"{debate.question} (Group B)" in _options(chosen, "debate")


def test_a_students_pages_and_notices_name_their_groups_debate(client, debate, teacher, student, copied):
    group = f"{debate.question} (Group A)"
    node = submit_claim(copied["a"], student, text="Claim made in group A")
    tasks.task_create(debate=copied["a"], teacher=teacher, text="Find evidence")
    feedback.grade_save(debate=copied["a"], student=student, teacher=teacher, score="7")
    feedback.grades_release(debate=copied["a"], teacher=teacher)
    assert group in Notification.objects.get(recipient=student, kind=NotificationKind.RELEASED).text
    login(client, student)
    mine = text_of(client.get(reverse("debates:my-contributions")))
    assert f"In {group} ," in mine and f"Your grades {group} :" in mine
    assert f"in {group}" in text_of(client.get(reverse("debates:home")))
    assert group in text_of(client.get(node.get_absolute_url()))


@pytest.mark.parametrize("size", [1, 4])
def test_pages_listing_group_debates_cost_the_same_queries_for_1_or_4_groups(
    client, debate, teacher, student, size, django_assert_num_queries
):
    pupils = [student, *(make_user(f"pupil{n}") for n in range(1, size))]
    for pupil in pupils[1:]:
        Membership.objects.create(classroom=debate.classroom, user=pupil, role="student")
    made = groups.groups_create(
        origin=debate,
        teacher=teacher,
        groups=[groups.GroupSpec(f"Group {n}", (pupil,)) for n, pupil in enumerate(pupils)],
    )
    for pupil, copy in zip(pupils, made, strict=True):
        submit_claim(copy, pupil, text=f"Claim by {pupil.username}")
    login(client, teacher)
    activity_url = reverse("debates:classroom-activity", args=[debate.classroom.pk])
    # session, user, classroom, the user's roles, the classroom's debates (with their group
    # copies) twice, once for the chosen one and once for the filter's choices; activity:
    # students, node counts, link counts, rejection reasons, last activity, scales, grades;
    # the navigation's counts
    with django_assert_num_queries(14):
        chosen = client.get(activity_url, {"debate": made[0].slug})
    assert len(_options(chosen.content.decode(), "debate")) == size + 2
    # session, user, the notices with their debates and groups, the navigation's counts
    with django_assert_num_queries(4):
        page = text_of(client.get(reverse("debates:notifications")))
    # Each notice names its group twice: in its text and under it.
    assert [page.count(f"(Group {n})") for n in range(size)] == [2] * size


# --- Two groups of one debate never share a name -------------------------------------------


@pytest.mark.parametrize(
    "lines, refusal",
    [
        ("Group A: student\nGroup A: other_student", "Two groups are called “Group A”"),
        ("Group A: student\n  group a : other_student", "“Group A” and “group a” are one name to a reader"),
    ],
)
def test_a_group_name_given_twice_is_refused_naming_the_field_and_the_name(
    client, debate, teacher, student, other_student, lines, refusal
):
    login(client, teacher)
    response = client.post(reverse("debates:debate-groups", args=[debate.slug]), {"groups": lines})
    assert response.status_code == 400
    assert f"Groups: {refusal}: give each group its own name." in text_of(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert Debate.objects.count() == 1 and GroupCopy.objects.count() == 0  # nothing made


def test_names_that_differ_only_in_spacing_are_one_name(debate, teacher, student, other_student):
    specs = [groups.GroupSpec("Group A", (student,)), groups.GroupSpec("Group \t A", (other_student,))]
    with pytest.raises(ModerationError, match="are one name to a reader") as refused:
        groups.groups_create(origin=debate, teacher=teacher, groups=specs)
    assert list(refused.value.message_dict) == ["groups"]
    assert Debate.objects.count() == 1


def test_a_name_one_of_the_debates_groups_already_has_is_refused(
    client, debate, teacher, student, other_student, third_student
):
    groups.groups_create(origin=debate, teacher=teacher, groups=[groups.GroupSpec("Group A", (student,))])
    login(client, teacher)
    url = reverse("debates:debate-groups", args=[debate.slug])
    response = client.post(url, {"groups": "Group B: other_student\nGROUP A: third_student"})
    assert response.status_code == 400
    assert "Groups: This debate already has a group called “Group A”: give “GROUP A” another name." in text_of(response)
    assert list(GroupCopy.objects.values_list("name", flat=True)) == ["Group A"] and Debate.objects.count() == 2
    # Another debate's groups are no matter: its copies are named apart by its own question.
    other = make_debate(classroom=debate.classroom, slug="other-debate")
    groups.groups_create(origin=other, teacher=teacher, groups=[groups.GroupSpec("Group A", (other_student,))])
    assert GroupCopy.objects.filter(name="Group A").count() == 2
