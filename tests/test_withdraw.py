"""Withdrawing keeps the work: a withdrawn contribution is kept, with its history, hidden from
everyone but its author's "My contributions", and its author can restore it while the
debate is open. A node's arrows go and come back with it. Pages ask before withdrawing."""

import pytest
from django.test import Client
from django.urls import reverse

from debates import errors, moderation
from debates.models import Action, ModerationEvent, Node, Relation, Status
from tests.factories import api_client, login, make_node, messages_of, question_of, submit_claim, text_of
from tests.factories import errors as api_errors


@pytest.fixture
def pending(debate, student, claim):
    """`student`'s pending claim opposing `claim`."""
    return submit_claim(debate, student, text="Talks never had a fair chance", target=claim, relation="opposes")


def _status(item) -> str:
    return type(item).objects.values_list("status", flat=True).get(pk=item.pk)


def _actions(item) -> list[str]:
    return list(item.events.order_by("pk").values_list("action", flat=True))


# --- the workflow -----------------------------------------------------------------------


def test_a_withdrawn_node_is_kept_with_its_history_and_its_arrow(debate, student, pending):
    arrow = pending.outgoing.get()
    moderation.item_withdraw(item=pending, user=student)
    assert _status(pending) == Status.WITHDRAWN and _status(arrow) == Status.WITHDRAWN
    assert _actions(pending) == [Action.SUBMITTED, Action.WITHDRAWN]
    assert _actions(arrow) == [Action.WITHDRAWN]


def test_a_withdrawn_node_is_hidden_everywhere_but_from_its_author_s_withdrawn_list(
    debate, student, other_student, teacher, pending
):
    moderation.item_withdraw(item=pending, user=student)
    for user in (student, other_student, teacher):
        assert not Node.objects.visible_to(user).filter(pk=pending.pk).exists()
        assert not Relation.objects.visible_to(user).filter(source=pending).exists()
    assert not Node.objects.visible_to(teacher, moderator=True).filter(pk=pending.pk).exists()
    assert list(moderation.pending_queue(teacher)) == []
    assert list(Node.objects.withdrawn_by(student)) == [pending]
    assert not Node.objects.withdrawn_by(other_student).exists()


def test_restoring_brings_the_node_and_its_arrow_back_to_the_queue(debate, student, teacher, pending):
    arrow = pending.outgoing.get()
    moderation.item_withdraw(item=pending, user=student)
    moderation.item_restore(item=Node.objects.get(pk=pending.pk), user=student)
    assert _status(pending) == Status.PENDING and _status(arrow) == Status.PENDING
    assert _actions(pending) == [Action.SUBMITTED, Action.WITHDRAWN, Action.RESTORED]
    queue = list(moderation.pending_queue(teacher))
    assert queue == [pending] and [a.pk for a in queue[0].arrows] == [arrow.pk]


def test_a_returned_node_withdrawn_and_restored_is_pending_again(debate, student, teacher, pending):
    moderation.item_decide(item=pending, moderator=teacher, action=Action.RETURNED, note="Cite the op-ed.")
    moderation.item_withdraw(item=Node.objects.get(pk=pending.pk), user=student)
    moderation.item_restore(item=Node.objects.get(pk=pending.pk), user=student)
    assert _status(pending) == Status.PENDING


def test_an_arrow_withdrawn_on_its_own_stays_withdrawn_when_its_node_comes_back(debate, student, claim, pending):
    other = make_node(debate, text="Another approved claim")
    own_link = moderation.relation_submit(author=student, source=other, target=pending, kind="supports")
    moderation.item_withdraw(item=own_link, user=student)
    moderation.item_withdraw(item=Node.objects.get(pk=pending.pk), user=student)
    moderation.item_restore(item=Node.objects.get(pk=pending.pk), user=student)
    assert _status(own_link) == Status.WITHDRAWN
    assert _status(pending.outgoing.get()) == Status.PENDING


def test_a_standalone_link_to_the_node_goes_and_comes_back_with_it(debate, student, pending):
    other = make_node(debate, text="Another approved claim")
    link = moderation.relation_submit(author=student, source=other, target=pending, kind="supports")
    moderation.item_withdraw(item=pending, user=student)
    assert _status(link) == Status.WITHDRAWN
    moderation.item_restore(item=Node.objects.get(pk=pending.pk), user=student)
    assert _status(link) == Status.PENDING


def test_a_link_cannot_be_restored_while_its_node_is_withdrawn(debate, student, pending):
    arrow = pending.outgoing.get()
    moderation.item_withdraw(item=pending, user=student)
    with pytest.raises(errors.ModerationError, match="restore the node first"):
        moderation.item_restore(item=Relation.objects.get(pk=arrow.pk), user=student)


def test_only_the_author_restores_and_only_while_the_debate_is_open(debate, student, other_student, teacher, pending):
    moderation.item_withdraw(item=pending, user=student)
    node = Node.objects.get(pk=pending.pk)
    for user in (other_student, teacher):
        with pytest.raises(errors.NotAllowed):
            moderation.item_restore(item=node, user=user)
    debate.is_open = False
    debate.save()
    with pytest.raises(errors.ModerationError, match="closed"):
        moderation.item_restore(item=Node.objects.select_related("debate").get(pk=pending.pk), user=student)
    assert _status(pending) == Status.WITHDRAWN


def test_restoring_counts_against_the_pending_limit(settings, debate, student, pending):
    settings.MAX_PENDING_PER_DEBATE = 2
    moderation.item_withdraw(item=pending, user=student)
    submit_claim(debate, student, text="One")
    submit_claim(debate, student, text="Two")
    with pytest.raises(errors.ModerationError, match="the limit is 2"):
        moderation.item_restore(item=Node.objects.get(pk=pending.pk), user=student)
    assert _status(pending) == Status.WITHDRAWN


def test_a_withdrawn_link_does_not_block_a_new_one_and_then_cannot_come_back(debate, student, other_student):
    a, b = make_node(debate, text="A"), make_node(debate, text="B")
    first = moderation.relation_submit(author=student, source=a, target=b, kind="supports")
    moderation.item_withdraw(item=first, user=student)
    moderation.relation_submit(author=other_student, source=a, target=b, kind="opposes")
    with pytest.raises(errors.ModerationError, match="already linked"):
        moderation.item_restore(item=Relation.objects.get(pk=first.pk), user=student)
    assert _status(first) == Status.WITHDRAWN


def test_restoring_what_is_not_withdrawn_is_refused(debate, student, pending):
    with pytest.raises(errors.ModerationError, match="not withdrawn"):
        moderation.item_restore(item=pending, user=student)


def test_a_withdrawn_node_cannot_be_edited_or_decided(debate, student, teacher, pending):
    moderation.item_withdraw(item=pending, user=student)
    node = Node.objects.get(pk=pending.pk)
    with pytest.raises(errors.ModerationError, match="restore it first"):
        moderation.node_edit(node=node, editor=student, text="Changed")
    with pytest.raises(errors.AlreadyDecided, match="Its author withdrew this contribution."):
        moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)


def test_nothing_can_be_attached_to_a_withdrawn_node(debate, student, pending):
    moderation.item_withdraw(item=pending, user=student)
    with pytest.raises(errors.ModerationError, match="does not exist"):
        submit_claim(debate, student, text="Under a withdrawn node", target=Node.objects.get(pk=pending.pk))


# --- pages --------------------------------------------------------------------------------


def test_withdraw_asks_first_and_a_get_changes_nothing(client, student, debate, pending):
    url = reverse("debates:node-withdraw", args=[debate.slug, pending.pk])
    response = login(client, student).get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert "Withdraw this?" in page and "Talks never had a fair chance" in page and "Keep it" in page
    html = response.content.decode()
    assert f'action="{url}"' in html and 'method="post"' in html
    assert f'href="{reverse("debates:my-contributions")}"' in html
    assert _status(pending) == Status.PENDING


def test_the_withdraw_buttons_lead_to_the_question_not_to_a_post(client, student, debate, pending):
    url = reverse("debates:node-withdraw", args=[debate.slug, pending.pk])
    for page in (reverse("debates:my-contributions"), pending.get_absolute_url()):
        html = login(client, student).get(page).content.decode()
        assert f'<a class="button danger" href="{url}">Withdraw</a>' in html


def test_withdrawing_a_node_from_the_page_then_restoring_it(client, student, teacher, debate, pending):
    login(client, student)
    response = client.post(reverse("debates:node-withdraw", args=[debate.slug, pending.pk]), follow=True)
    assert _status(pending) == Status.WITHDRAWN
    assert "you can restore it while the debate is open" in messages_of(response)[0]
    restore = reverse("debates:node-restore", args=[debate.slug, pending.pk])
    assert f'action="{restore}"' in response.content.decode()
    # Its page is gone for everyone, its author included, and the teacher's queue is empty.
    assert client.get(pending.get_absolute_url()).status_code == 404
    queue = login(Client(), teacher).get(reverse("debates:moderation-queue"))
    assert "Talks never had a fair chance" not in text_of(queue)
    response = client.post(restore, follow=True)
    assert messages_of(response) == ["Restored: it is waiting for your teacher's review again."]
    assert _status(pending) == Status.PENDING
    assert client.get(pending.get_absolute_url()).status_code == 200


def test_withdrawing_and_restoring_a_link_from_the_pages(client, student, debate):
    a, b = make_node(debate, text="A"), make_node(debate, text="B")
    link = moderation.relation_submit(author=student, source=a, target=b, kind="supports")
    url = reverse("debates:relation-withdraw", args=[debate.slug, link.pk])
    login(client, student)
    assert "Withdraw this?" in text_of(client.get(url))
    client.post(url)
    assert _status(link) == Status.WITHDRAWN
    restore = reverse("debates:relation-restore", args=[debate.slug, link.pk])
    assert f'action="{restore}"' in client.get(reverse("debates:my-contributions")).content.decode()
    client.post(restore)
    assert _status(link) == Status.PENDING


def test_restore_is_post_only_and_others_get_a_404(client, student, other_student, outsider, debate, pending):
    moderation.item_withdraw(item=pending, user=student)
    restore = reverse("debates:node-restore", args=[debate.slug, pending.pk])
    assert login(client, student).get(restore).status_code == 405
    for user in (other_student, outsider):
        assert login(Client(), user).post(restore).status_code == 404
    assert Client().post(restore).status_code == 302  # to the log-in page
    assert _status(pending) == Status.WITHDRAWN


def test_restoring_needs_csrf(student, debate, pending):
    moderation.item_withdraw(item=pending, user=student)
    client = login(Client(enforce_csrf_checks=True), student)
    assert client.post(reverse("debates:node-restore", args=[debate.slug, pending.pk])).status_code == 403


def test_a_closed_debate_offers_no_restore(client, student, debate, pending):
    moderation.item_withdraw(item=pending, user=student)
    debate.is_open = False
    debate.save()
    html = login(client, student).get(reverse("debates:my-contributions")).content.decode()
    assert "Talks never had a fair chance" in html
    assert reverse("debates:node-restore", args=[debate.slug, pending.pk]) not in html


# --- API ----------------------------------------------------------------------------------


def test_api_withdraws_and_restores_a_node(debate, student, teacher, pending):
    client = api_client(student)
    assert client.delete(f"/api/nodes/{pending.pk}/").status_code == 204
    assert client.get(f"/api/nodes/{pending.pk}/").status_code == 404
    assert pending.pk not in [n["id"] for n in client.get("/api/nodes/").json()["results"]]
    assert [n["id"] for n in client.get("/api/nodes/?status=withdrawn").json()["results"]] == [pending.pk]
    assert api_client(teacher).get("/api/nodes/?status=withdrawn").json()["results"] == []
    response = client.post(f"/api/nodes/{pending.pk}/restore/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert _status(pending.outgoing.get()) == Status.PENDING


def test_api_withdraws_and_restores_a_relation(debate, student):
    a, b = make_node(debate, text="A"), make_node(debate, text="B")
    link = moderation.relation_submit(author=student, source=a, target=b, kind="supports")
    client = api_client(student)
    assert client.delete(f"/api/relations/{link.pk}/").status_code == 204
    response = client.post(f"/api/relations/{link.pk}/restore/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "pending"


def test_api_restore_refusals(debate, student, other_student, pending):
    client = api_client(student)
    response = client.post(f"/api/nodes/{pending.pk}/restore/", {}, format="json")
    assert response.status_code == 400 and "not withdrawn" in api_errors(response)["status"][0]
    moderation.item_withdraw(item=pending, user=student)
    assert api_client(other_student).post(f"/api/nodes/{pending.pk}/restore/", {}, format="json").status_code == 404
    assert api_client().post(f"/api/nodes/{pending.pk}/restore/", {}, format="json").status_code == 401
    response = client.post(f"/api/nodes/{pending.pk}/restore/", {"status": "approved"}, format="json")
    assert response.status_code == 400 and api_errors(response) == {"status": ["This field is read-only."]}
    assert _status(pending) == Status.WITHDRAWN


def test_the_restore_actions_are_in_the_openapi_document(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for kind in ("nodes", "relations"):
        assert "post" in paths[f"/api/{kind}/{{id}}/restore/"]
    assert "withdrawn" in str(paths["/api/nodes/"]["get"]["parameters"])


def test_the_history_on_the_node_page_says_it_was_withdrawn_and_restored(client, student, debate, pending):
    moderation.item_withdraw(item=pending, user=student)
    moderation.item_restore(item=Node.objects.get(pk=pending.pk), user=student)
    page = text_of(login(client, student).get(pending.get_absolute_url()))
    assert "withdrew it" in page and "restored it" in page
    assert ModerationEvent.objects.filter(node=pending, action=Action.RESTORED).count() == 1


def test_question_of_a_debate_is_not_withdrawable(client, teacher, debate):
    question = question_of(debate)
    url = reverse("debates:node-withdraw", args=[debate.slug, question.pk])
    assert login(client, teacher).get(url).status_code == 404
