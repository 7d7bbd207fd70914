"""Contributing: claims and evidence from a node or a selection, links, edits, withdrawals,
"my contributions", and the include templates the node and debate pages show."""

from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from debates import moderation
from debates.models import Action, Kind, ModerationEvent, Node, Quote, Reason, Relation, Status
from tests.factories import HOSTILE, login, make_debate, make_node, messages_of, question_of, submit_claim, text_of


def contribute_url(debate, **params):
    url = reverse("debates:node-create", args=[debate.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def post_node(client, debate, **data):
    return client.post(contribute_url(debate), {"kind": "claim", "relation": "supports", **data})


def post_evidence(client, debate, target, text, quote, **data):
    """Evidence for `target` quoting the debate's one source; `start` and `end` as a selection sends them."""
    fields = {"kind": "evidence", "text": text, "target": target.pk, "source": debate.sources.get().pk, "quote": quote}
    return post_node(client, debate, **fields, **data)


# --- adding a node ---------------------------------------------------------------------


def test_the_form_starts_from_the_node_and_relation_in_the_link(client, student, debate, claim):
    response = login(client, student).get(contribute_url(debate, target=claim.pk, relation="opposes", kind="claim"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["target"].value() == claim.pk
    assert form["relation"].value() == "opposes"
    assert "Military operations have worked before." in text_of(response)


def test_a_selection_fills_the_quote_from_the_source_itself(client, student, debate, claim):
    source = debate.sources.get()
    start = source.text.index("all attempts")
    end = start + len("all attempts at negotiating")
    response = login(client, student).get(
        contribute_url(
            debate, kind="evidence", source=source.pk, start=start, end=end, quote="ignored", target=claim.pk
        )
    )
    form = response.context["form"]
    assert form["quote"].value() == "all attempts at negotiating"
    assert (form["start"].value(), form["end"].value()) == (start, end)
    assert form["kind"].value() == "evidence"


def test_student_submits_a_claim_that_opposes_a_node_and_it_is_pending(client, student, debate, claim):
    login(client, student)
    response = post_node(
        client, debate, text="Operations only moved fighters elsewhere.", target=claim.pk, relation="opposes"
    )
    node = Node.objects.get(text="Operations only moved fighters elsewhere.")
    assert node.status == Status.PENDING and node.author == student
    relation = node.outgoing.get()
    assert (relation.target, relation.kind, relation.status) == (claim, "opposes", Status.PENDING)
    assert response["Location"] == node.get_absolute_url()
    assert "Sent to your teacher for review." in messages_of(response)[0]


def test_student_submits_evidence_with_the_offsets_of_a_selection(client, student, debate, claim):
    source = debate.sources.get()
    passage = "all attempts at negotiating with local terrorist organizations have failed"
    start = source.text.index(passage)
    login(client, student)
    post_evidence(
        client, debate, claim, "Talks failed.", passage, relation="opposes", start=start, end=start + len(passage)
    )
    quote = Quote.objects.get(node__text="Talks failed.")
    assert (quote.text, quote.start, quote.end, quote.source) == (passage, start, start + len(passage), source)


def test_a_selection_across_paragraphs_survives_the_textareas_crlf(client, student, debate, claim):
    source = debate.sources.get()
    passage = "more than 100 people.\n\nThus far"
    start = source.text.index(passage)
    login(client, student)
    crlf = passage.replace("\n", "\r\n")
    response = post_evidence(client, debate, claim, "Across.", crlf, start=start, end=start + len(passage))
    assert response.status_code == 302
    assert Quote.objects.get(node__text="Across.").text == passage


def test_offsets_that_do_not_match_the_source_are_refused_and_the_input_kept(client, student, debate, claim):
    login(client, student)
    passage = "all attempts at negotiating"
    response = post_evidence(client, debate, claim, "Talks failed.", passage, start=0, end=len(passage))
    assert response.status_code == 400
    assert "select the passage again" in response.context["form"].errors["quote"][0]
    assert "Talks failed." in response.content.decode()
    assert not Node.objects.filter(text="Talks failed.").exists()


def test_a_quote_typed_without_offsets_is_found_in_the_source(client, student, debate, claim):
    source = debate.sources.get()
    login(client, student)
    post_evidence(client, debate, claim, "Demand.", 'a "military solution"')
    quote = Quote.objects.get(node__text="Demand.")
    assert quote.text == "a “military solution”"
    assert source.text[quote.start : quote.end] == quote.text


def test_evidence_without_a_quote_is_refused_naming_the_field(client, student, debate, claim):
    response = post_node(login(client, student), debate, kind="evidence", text="No quote.", target=claim.pk)
    assert response.context["form"].errors["quote"] == ["Evidence needs a quote from one of the debate's sources."]


def test_a_teachers_contribution_is_approved_at_once(client, teacher, debate, claim):
    response = post_node(login(client, teacher), debate, text="Teacher's claim.", target=claim.pk)
    node = Node.objects.get(text="Teacher's claim.")
    assert node.status == Status.APPROVED and node.outgoing.get().status == Status.APPROVED
    assert messages_of(response) == ["Added to the map: claim “Teacher's claim.”."]


def test_the_pending_limit_refuses_with_the_reason(client, student, debate, claim, settings):
    settings.MAX_PENDING_PER_DEBATE = 3
    login(client, student)
    for n in range(3):
        assert post_node(client, debate, text=f"Claim {n}", target=claim.pk).status_code == 302
    response = post_node(client, debate, text="One too many", target=claim.pk)
    assert response.status_code == 400
    assert "You already have 3 contributions waiting for review in this debate (the limit is 3)" in text_of(response)
    assert "One too many" in response.content.decode()


def test_text_over_the_length_limit_is_refused(client, student, debate, claim):
    response = post_node(login(client, student), debate, text="x" * 501, target=claim.pk)
    assert "at most 500 characters" in response.context["form"].errors["text"][0]


def test_nul_and_control_characters_are_refused_naming_them(client, student, debate, claim):
    response = post_node(login(client, student), debate, text="bad\x07bell", target=claim.pk)
    assert "control character (U+0007)" in response.context["form"].errors["text"][0]


def test_a_closed_debate_accepts_nothing(client, student, debate, claim):
    debate.is_open = False
    debate.save()
    login(client, student)
    assert "This debate is closed" in client.get(contribute_url(debate)).content.decode()
    response = post_node(client, debate, text="Too late.", target=claim.pk)
    assert response.status_code == 400
    assert "This debate is closed and accepts no contributions." in text_of(response)
    assert not Node.objects.filter(text="Too late.").exists()


def test_another_students_pending_node_cannot_be_a_target(client, student, other_student, debate):
    hidden = submit_claim(debate, other_student, text="Other's pending claim")
    response = login(client, student).get(contribute_url(debate, target=hidden.pk))
    assert "Other&#x27;s pending claim" not in response.content.decode()
    response = post_node(client, debate, text="Reply", target=hidden.pk)
    assert "target" in response.context["form"].errors
    assert not Node.objects.filter(text="Reply").exists()


def test_a_node_of_another_debate_cannot_be_a_target(client, student, debate, classroom):
    elsewhere = make_node(make_debate(classroom=classroom), text="Elsewhere")
    response = post_node(login(client, student), debate, text="Reply", target=elsewhere.pk)
    assert "target" in response.context["form"].errors


def test_contributing_needs_a_member(client, outsider, student, debate, public_debate):
    url = contribute_url(debate)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert login(Client(), outsider).get(url).status_code == 404
    assert login(Client(), outsider).post(url, {"text": "x"}).status_code == 404
    # A public debate is readable, but only its moderators contribute to it.
    assert login(Client(), student).get(contribute_url(public_debate)).status_code == 404


def test_contributing_refuses_put_and_posts_without_csrf(student, debate, claim):
    assert login(Client(), student).put(contribute_url(debate)).status_code == 405
    client = login(Client(enforce_csrf_checks=True), student)
    assert post_node(client, debate, text="No token", target=claim.pk).status_code == 403
    assert not Node.objects.filter(text="No token").exists()


def test_hostile_text_is_stored_as_typed_and_shown_escaped(client, student, debate, claim):
    login(client, student)
    post_node(client, debate, text=HOSTILE, target=claim.pk)
    node = Node.objects.get(author=student)
    assert node.text == HOSTILE.strip()
    page = client.get(reverse("debates:my-contributions")).content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "اردو متن 🎉" in page


# --- links -----------------------------------------------------------------------------


def test_student_proposes_a_link_between_two_nodes(client, student, debate, claim):
    other = make_node(debate, text="Root causes matter.")
    login(client, student)
    response = client.get(reverse("debates:relation-create", args=[debate.slug]) + f"?source={other.pk}")
    assert response.context["form"]["source"].value() == other.pk
    response = client.post(
        reverse("debates:relation-create", args=[debate.slug]),
        {"source": other.pk, "target": claim.pk, "kind": "opposes"},
    )
    relation = Relation.objects.get(source=other, target=claim)
    assert relation.status == Status.PENDING and relation.author == student
    assert response["Location"] == other.get_absolute_url()


def test_a_duplicate_or_self_link_is_refused_naming_the_field(client, student, debate, claim):
    login(client, student)
    url = reverse("debates:relation-create", args=[debate.slug])
    question = question_of(debate)
    response = client.post(url, {"source": claim.pk, "target": question.pk, "kind": "opposes"})
    assert response.context["form"].errors["target"] == ["These two nodes are already linked."]
    response = client.post(url, {"source": claim.pk, "target": claim.pk, "kind": "opposes"})
    assert response.context["form"].errors["target"] == ["A node cannot support or oppose itself."]


def test_links_need_a_member_and_post(client, outsider, student, debate, claim):
    url = reverse("debates:relation-create", args=[debate.slug])
    assert client.get(url).status_code == 302
    assert login(client, outsider).get(url).status_code == 404
    assert login(Client(), student).delete(url).status_code == 405


# --- editing and withdrawing -----------------------------------------------------------


def test_student_edits_their_pending_claim(client, student, debate):
    node = submit_claim(debate, student, text="First draft")
    login(client, student)
    url = reverse("debates:node-edit", args=[debate.slug, node.pk])
    assert client.get(url).context["form"]["text"].value() == "First draft"
    response = client.post(url, {"text": "Second draft"}, follow=True)
    node.refresh_from_db()
    assert node.text == "Second draft" and node.status == Status.PENDING
    assert "Your changes are saved; it is still waiting for review." in messages_of(response)
    assert ModerationEvent.objects.filter(node=node, action=Action.EDITED).exists()


def test_a_returned_contribution_goes_back_to_the_queue_once_edited(client, student, teacher, debate):
    node = submit_claim(debate, student, text="Vague claim")
    moderation.item_decide(item=node, moderator=teacher, action=Action.RETURNED, note="Say which operation.")
    login(client, student)
    url = reverse("debates:node-edit", args=[debate.slug, node.pk])
    assert "Say which operation." in client.get(url).content.decode()
    client.post(url, {"text": "Zarb-e-Azb cut attacks"})
    node.refresh_from_db()
    assert node.status == Status.PENDING
    assert node.outgoing.get().status == Status.PENDING


def test_evidence_quote_can_be_edited_and_is_checked(client, student, debate, claim):
    source = debate.sources.get()
    node = moderation.node_submit(
        debate=debate,
        author=student,
        kind=Kind.EVIDENCE,
        text="Ev",
        target=claim,
        quote=moderation.QuoteInput(source=source, text="military solution"),
    )
    login(client, student)
    url = reverse("debates:node-edit", args=[debate.slug, node.pk])
    response = client.post(url, {"text": "Ev", "quote": "not in the source at all"})
    assert response.status_code == 400
    assert "does not appear in the source" in response.context["form"].errors["quote"][0]
    client.post(url, {"text": "Ev", "quote": "Poverty, illiteracy"})
    assert Quote.objects.get(node=node).text == "Poverty, illiteracy"


def test_nobody_else_can_edit_or_withdraw_a_contribution(client, student, other_student, teacher, outsider, debate):
    node = submit_claim(debate, student)
    edit = reverse("debates:node-edit", args=[debate.slug, node.pk])
    withdraw = reverse("debates:node-withdraw", args=[debate.slug, node.pk])
    for user in (other_student, teacher, outsider):
        c = login(Client(), user)
        assert c.get(edit).status_code == 404
        assert c.post(edit, {"text": "Hijacked"}).status_code == 404
        assert c.post(withdraw).status_code == 404
    assert Client().post(withdraw).status_code == 302
    node.refresh_from_db()
    assert node.text == "Talks have failed before."


def test_an_approved_contribution_can_no_longer_be_edited(client, student, teacher, debate):
    node = submit_claim(debate, student)
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    response = login(client, student).post(
        reverse("debates:node-edit", args=[debate.slug, node.pk]), {"text": "Changed"}
    )
    assert response["Location"] == reverse("debates:my-contributions")
    assert "approved: it can no longer be edited" in messages_of(response)[0]
    node.refresh_from_db()
    assert node.text == "Talks have failed before."


def test_student_withdraws_a_pending_contribution(client, student, debate):
    node = submit_claim(debate, student)
    login(client, student)
    url = reverse("debates:node-withdraw", args=[debate.slug, node.pk])
    assert client.put(url).status_code == 405
    response = client.post(url, follow=True)
    assert Node.objects.get(pk=node.pk).status == Status.WITHDRAWN
    assert "Withdrawn. It stays in this list: you can restore it while the debate is open." in messages_of(response)
    assert ModerationEvent.objects.filter(action=Action.WITHDRAWN, item_label__contains="Talks have failed").exists()


def test_withdrawing_needs_csrf(student, debate):
    node = submit_claim(debate, student)
    client = login(Client(enforce_csrf_checks=True), student)
    assert client.post(reverse("debates:node-withdraw", args=[debate.slug, node.pk])).status_code == 403
    assert Node.objects.filter(pk=node.pk).exists()


def test_student_withdraws_a_proposed_link(client, student, other_student, debate, claim):
    other = make_node(debate, text="Another claim")
    relation = moderation.relation_submit(author=student, source=other, target=claim, kind="opposes")
    url = reverse("debates:relation-withdraw", args=[debate.slug, relation.pk])
    assert login(Client(), other_student).post(url).status_code == 404
    login(client, student).post(url)
    assert Relation.objects.get(pk=relation.pk).status == Status.WITHDRAWN


# --- my contributions ------------------------------------------------------------------


def test_my_contributions_shows_status_and_the_teachers_note(client, student, teacher, debate):
    returned = submit_claim(debate, student, text="Returned one")
    rejected = submit_claim(debate, student, text="Rejected one")
    submit_claim(debate, student, text="Pending one")
    moderation.item_decide(item=returned, moderator=teacher, action=Action.RETURNED, note="Add a source, please.")
    moderation.item_decide(
        item=rejected, moderator=teacher, action=Action.REJECTED, reason=Reason.DUPLICATE, note="See #3."
    )
    page = text_of(login(client, student).get(reverse("debates:my-contributions")))
    assert "Returned for revision Claim Returned one" in page
    assert "Add a source, please." in page
    assert "Rejected : Duplicate by teacher See #3." in page
    assert "Pending Claim Pending one" in page


def test_my_contributions_never_shows_another_students_work(client, student, other_student, debate):
    submit_claim(debate, other_student, text="Someone else's")
    page = login(client, student).get(reverse("debates:my-contributions")).content.decode()
    assert "Someone else" not in page


def test_my_contributions_needs_a_login_and_get(client, student):
    assert client.get(reverse("debates:my-contributions")).status_code == 302
    assert login(client, student).post(reverse("debates:my-contributions")).status_code == 405


def test_my_contributions_costs_the_same_queries_for_3_or_10_items(
    client, student, teacher, debate, django_assert_num_queries
):
    login(client, student)
    claim = make_node(debate, text="Base")

    def add(n):
        for i in range(n):
            node = submit_claim(debate, student, text=f"Claim {i}", target=claim)
            if i % 2:
                moderation.item_decide(item=node, moderator=teacher, action=Action.RETURNED, note=f"Note {i}")
        other = make_node(debate, text="Other")
        moderation.relation_submit(author=student, source=other, target=claim, kind="opposes")

    add(3)
    # session, user, marking the decision notices seen (one UPDATE), nodes with debate and
    # quote, their decisions, their arrows with targets, links with both ends, their
    # decisions, the released feedback on all of them, released grades, the navigation's
    # counts; the outline numbers the boxes are named by come from the debate's kept judgement
    # (the first reader after a change pays one query more for it: each measure comes after
    # one such reader)
    client.get(reverse("debates:my-contributions"))
    with django_assert_num_queries(11):
        response = client.get(reverse("debates:my-contributions"))
    assert text_of(response).count("Claim Claim") == 3
    assert text_of(response).count("Supports 1.1 Base") == 3  # each claim's arrow, to the claim by number
    Node.objects.filter(author=student).exclude(kind=Kind.QUESTION).delete()
    add(9)
    client.get(reverse("debates:my-contributions"))
    with django_assert_num_queries(11):
        response = client.get(reverse("debates:my-contributions"))
    assert text_of(response).count("Claim Claim") == 9
    assert "Note 7" in text_of(response)
    assert "1.2 Other opposes 1.1 Base" in text_of(response)


# --- the includes the node and debate pages show -----------------------------------------


def _render(template, user, **context):
    request = RequestFactory().get("/debates/x/nodes/1/")
    request.user = user
    return render_to_string(template, {"user": user, **context}, request=request)


def _node_actions(user, node, debate, *, can_moderate=False, can_contribute=True):
    """The node's action buttons as `user` gets them (a contributing member by default)."""
    return _render(
        "debates/includes/_node_actions.html",
        user,
        node=node,
        debate=debate,
        can_moderate=can_moderate,
        can_contribute=can_contribute,
    )


def test_node_actions_offer_additions_to_a_member_of_an_open_debate(student, debate, claim):
    html = _node_actions(student, claim, debate)
    assert f"?target={claim.pk}&amp;relation=opposes&amp;kind=evidence" in html
    assert "Add a supporting claim" in html and "Propose a link to another node" in html
    assert "moderation-decide" not in html and "Withdraw" not in html


def test_node_actions_show_nothing_to_a_visitor(public_debate, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    node = make_node(public_debate)
    html = _node_actions(AnonymousUser(), node, public_debate, can_contribute=False)
    assert "Add a" not in html and "<form" not in html


def test_node_actions_let_the_author_edit_or_withdraw_a_pending_node(student, debate):
    node = submit_claim(debate, student)
    html = _node_actions(student, node, debate)
    assert reverse("debates:node-edit", args=[debate.slug, node.pk]) in html
    assert reverse("debates:node-withdraw", args=[debate.slug, node.pk]) in html


def test_node_actions_give_a_moderator_the_decision_buttons_on_a_pending_node(teacher, student, debate):
    node = submit_claim(debate, student)
    html = _node_actions(teacher, node, debate, can_moderate=True)
    assert reverse("debates:moderation-decide", args=["node", node.pk]) in html
    assert f'name="node-{node.pk}-action" value="rejected"' in html
    assert 'value="misquoted"' in html


def test_node_actions_on_a_closed_debate_say_it_is_closed(student, debate, claim):
    debate.is_open = False
    html = _node_actions(student, claim, debate)
    assert "closed" in html and "Add a" not in html


def test_node_history_lists_proposal_decisions_and_edits(student, teacher, debate):
    node = submit_claim(debate, student, text="Draft")
    moderation.item_decide(item=node, moderator=teacher, action=Action.RETURNED, note="<b>More</b> detail")
    moderation.node_edit(node=node, editor=student, text="Better")
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    history = ModerationEvent.objects.filter(node=node).select_related("actor")
    html = _render("debates/includes/_node_history.html", student, node=node, debate=debate, history=history)
    text = " ".join(html.split())
    assert text.index("student</strong> proposed it") < text.index("teacher</strong> returned it for revision")
    assert "&lt;b&gt;More&lt;/b&gt; detail" in html
    assert text.index("student</strong> edited it") < text.index("teacher</strong> approved it")


def test_debate_actions_for_a_moderator_and_for_a_student(teacher, student, debate):
    html = _render(
        "debates/includes/_debate_actions.html", teacher, debate=debate, can_moderate=True, can_contribute=True
    )
    assert reverse("debates:debate-close", args=[debate.slug]) in html
    assert reverse("debates:source-create", args=[debate.slug]) in html
    assert reverse("debates:moderation-queue") in html and "?pending=1" in html
    html = _render(
        "debates/includes/_debate_actions.html", student, debate=debate, can_moderate=False, can_contribute=True
    )
    assert "Add a claim" in html and "debate-close" not in html and "Close the debate" not in html


def test_the_contribution_form_costs_the_same_queries_whatever_the_debate_size(
    client, student, debate, django_assert_num_queries
):
    login(client, student)
    url = contribute_url(debate)
    for n in range(3):
        make_node(debate, text=f"Node {n}")
    # session, user, debate (+its map revision), the user's roles, visible nodes, sources,
    # the navigation's counts; the choices' outline numbers come from the debate's judgement,
    # kept per map revision (the first reader after a change pays one UNION query for it).
    client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    for n in range(7):
        make_node(debate, text=f"More {n}")
    with django_assert_num_queries(8):
        assert client.get(url).content.decode().count("<option value=") >= 11 + 3
    with django_assert_num_queries(7):
        assert client.get(url).content.decode().count("<option value=") >= 11 + 3
