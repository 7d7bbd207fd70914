"""The Django admin: every model is there, and decisions go through moderation.py."""

import pytest
from django.urls import reverse

from debates.models import ModerationEvent, Node
from tests.factories import make_node, submit_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "model", ["classroom", "membership", "source", "debate", "node", "quote", "relation", "moderationevent"]
)
def test_every_model_has_an_admin_list(admin_client, debate, model):
    assert admin_client.get(reverse(f"admin:debates_{model}_changelist")).status_code == 200


def test_admin_approve_action_decides_through_moderation_and_logs(admin_client, admin, debate, student):
    node = submit_claim(debate, student)
    response = admin_client.post(
        reverse("admin:debates_node_changelist"), {"action": "approve", "_selected_action": [node.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Node.objects.get(pk=node.pk).status == "approved"
    assert ModerationEvent.objects.filter(node=node, action="approved", actor=admin).exists()


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


def _change_form_data(admin_client, url) -> dict:
    """What the change form would send back unchanged: its fields and its inlines'."""
    context = admin_client.get(url).context
    form = context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for sub in formset.forms:
            for name, field in sub.fields.items():
                value = sub.initial.get(name, field.initial)
                if value is not None:
                    data[sub.add_prefix(name)] = getattr(value, "pk", value)
    return data


def _map_dot(admin_client, debate) -> str:
    return admin_client.get(reverse("debates:debate-map", args=[debate.slug, "dot"])).content.decode()


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        ("node", "text", "Reworded in the admin"),
        ("source", "outlet", "The Evening Admin"),
        ("debate", "question", "Q2?"),
    ],
)
def test_an_admin_edit_changes_the_cached_map_at_once(admin_client, debate, model, field, value):
    claim = make_node(debate, text="As first written", kind="evidence", quote="killed more than 100 people")
    obj = {"node": claim, "source": debate.sources.get(), "debate": debate}[model]
    before = _map_dot(admin_client, debate)
    assert value not in before and before == _map_dot(admin_client, debate)  # cached
    url = reverse(f"admin:debates_{model}_change", args=[obj.pk])
    data = {**_change_form_data(admin_client, url), field: value}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert value in _map_dot(admin_client, debate)


def test_deleting_a_node_in_the_admin_changes_the_cached_map_at_once(admin_client, debate):
    claim = make_node(debate, text="Soon gone")
    assert "Soon gone" in _map_dot(admin_client, debate)
    admin_client.post(reverse("admin:debates_node_delete", args=[claim.pk]), {"post": "yes"})
    assert not Node.objects.filter(pk=claim.pk).exists()
    assert "Soon gone" not in _map_dot(admin_client, debate)
