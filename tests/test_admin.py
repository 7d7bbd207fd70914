"""The Django admin: every model is there, and decisions go through moderation.py."""

import pytest
from django.urls import reverse

from debates.models import ModerationEvent, Node
from tests.factories import make_user, submit_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("site-admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model", ["classroom", "membership", "source", "debate", "node", "quote", "relation", "moderationevent"]
)
def test_every_model_has_an_admin_list(admin_client, debate, model):
    assert admin_client.get(reverse(f"admin:debates_{model}_changelist")).status_code == 200


def test_admin_approve_action_decides_through_moderation_and_logs(admin_client, debate, student):
    node = submit_claim(debate, student)
    response = admin_client.post(
        reverse("admin:debates_node_changelist"), {"action": "approve", "_selected_action": [node.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Node.objects.get(pk=node.pk).status == "approved"
    assert ModerationEvent.objects.filter(node=node, action="approved", actor__username="site-admin").exists()


def test_admin_reject_action_reports_an_already_decided_item(admin_client, debate, student):
    node = submit_claim(debate, student)
    admin_client.post(reverse("admin:debates_node_changelist"), {"action": "approve", "_selected_action": [node.pk]})
    response = admin_client.post(
        reverse("admin:debates_node_changelist"),
        {"action": "reject_unrelated", "_selected_action": [node.pk]},
        follow=True,
    )
    assert "already decided" in response.content.decode()
    assert Node.objects.get(pk=node.pk).status == "approved"


def test_moderation_log_is_read_only_in_the_admin(admin_client, debate, student):
    node = submit_claim(debate, student)
    event = node.events.get()
    url = reverse("admin:debates_moderationevent_change", args=[event.pk])
    admin_client.post(url, {"note": "rewritten"})
    assert ModerationEvent.objects.get(pk=event.pk).note == ""
    assert admin_client.get(reverse("admin:debates_moderationevent_add")).status_code == 403
