"""A write that says nothing changes nothing: an empty PATCH leaves a returned item returned,
a debate's cached maps current, and every PATCH's fields are optional in the OpenAPI
document and on the server alike."""

from drf_spectacular.generators import SchemaGenerator

from debates import moderation
from debates.models import Action, MapRevision, ModerationEvent, Status
from tests.factories import api_client, make_node, make_relation, submit_claim


def _returned(item, teacher):
    moderation.item_decide(item=item, moderator=teacher, action=Action.RETURNED, note="Add a source.")
    item.refresh_from_db()
    return item


def _revision(debate) -> int:
    return MapRevision.objects.filter(debate=debate).values_list("number", flat=True).first() or 0


def test_an_empty_patch_leaves_a_returned_node_returned(debate, student, teacher):
    node = _returned(submit_claim(debate, student), teacher)
    events = ModerationEvent.objects.count()
    response = api_client(student).patch(f"/api/nodes/{node.pk}/", {}, format="json")
    assert response.status_code == 200
    node.refresh_from_db()
    assert node.status == Status.RETURNED and response.json()["status"] == Status.RETURNED
    assert ModerationEvent.objects.count() == events
    # The same text again is no revision either.
    api_client(student).patch(f"/api/nodes/{node.pk}/", {"text": node.text}, format="json")
    node.refresh_from_db()
    assert node.status == Status.RETURNED


def test_a_real_revision_still_goes_back_to_the_queue(debate, student, teacher):
    node = _returned(submit_claim(debate, student), teacher)
    api_client(student).patch(f"/api/nodes/{node.pk}/", {"text": "Revised, with a source."}, format="json")
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_an_empty_patch_of_a_debate_keeps_its_cached_maps_current(debate, teacher):
    before = _revision(debate)
    client = api_client(teacher)
    assert client.patch(f"/api/debates/{debate.slug}/", {}, format="json").status_code == 200
    assert client.patch(f"/api/debates/{debate.slug}/", {"is_open": True}, format="json").status_code == 200
    assert _revision(debate) == before
    client.patch(f"/api/debates/{debate.slug}/", {"question": "A new question?"}, format="json")
    assert _revision(debate) == before + 1


def test_an_empty_patch_of_a_relation_is_not_a_missing_field(debate, student, teacher):
    relation = make_relation(make_node(debate), make_node(debate), author=student, status=Status.PENDING)
    response = api_client(student).patch(f"/api/relations/{relation.pk}/", {}, format="json")
    assert response.status_code == 200, response.content
    relation.refresh_from_db()
    assert relation.status == Status.PENDING


def test_no_patch_in_the_openapi_document_requires_a_field():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    patches = [ops["patch"] for ops in schema["paths"].values() if "patch" in ops]
    assert len(patches) == 3
    for operation in patches:
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert not components[ref.rsplit("/", 1)[1]].get("required"), ref
