"""The site's URLs, plus stand-ins for the debate and node pages while they are not merged.

The classroom tests link to debates:debate-detail and debates:node-detail, which another
branch builds. Where those names exist, this module adds nothing and the real pages are
used; where they do not, minimal pages that include the classroom includes stand in.
"""

from django.http import Http404, HttpResponse
from django.template import engines
from django.urls import NoReverseMatch, include, path, reverse

from config import urls as site_urls
from debates import permissions
from debates import urls as debate_urls
from debates.models import ModerationEvent, Node, Relation

STUB_DEBATE = engines["django"].from_string(
    """{% extends "base.html" %}{% block content %}<h1>{{ debate.question }}</h1>
{% include "debates/includes/_debate_actions.html" %}
<ol class="outline">{% for node in nodes %}<li id="n{{ node.pk }}">
<a href="{{ node.get_absolute_url }}">{{ node.text }}</a>
{% if node.status != "approved" %}({{ node.status }}){% endif %}
{% if node.quote %}<blockquote>{{ node.quote.text }}</blockquote>{% endif %}</li>
{% endfor %}</ol>{% endblock %}"""
)
STUB_NODE = engines["django"].from_string(
    """{% extends "base.html" %}{% block content %}<h1>{{ node.text }}</h1>
{% include "debates/includes/_node_actions.html" %}{% include "debates/includes/_node_history.html" %}{% endblock %}"""
)


def _exists(name: str, args) -> bool:
    try:
        reverse(name, args=args, urlconf=site_urls)
    except NoReverseMatch:
        return False
    return True


def stub_debate_detail(request, slug):
    debate = permissions.get_debate_for_user(request.user, slug)
    moderator = permissions.can_moderate(request.user, debate)
    nodes = Node.objects.visible_to(request.user, moderator=moderator).filter(debate=debate).for_map()
    relations = Relation.objects.visible_to(request.user, moderator=moderator).filter(debate=debate)
    context = {
        "debate": debate,
        "nodes": nodes,
        "relations": relations,
        "can_moderate": moderator,
        "can_contribute": permissions.can_contribute(request.user, debate),
    }
    return HttpResponse(STUB_DEBATE.render(context, request))


def stub_node_detail(request, slug, pk):
    debate = permissions.get_debate_for_user(request.user, slug)
    moderator = permissions.can_moderate(request.user, debate)
    node = Node.objects.visible_to(request.user, moderator=moderator).filter(debate=debate, pk=pk).first()
    if node is None:
        raise Http404("No such node.")
    history = ModerationEvent.objects.filter(node=node).select_related("actor")
    context = {
        "debate": debate,
        "node": node,
        "history": history,
        "can_moderate": moderator,
        "can_contribute": permissions.can_contribute(request.user, debate),
    }
    return HttpResponse(STUB_NODE.render(context, request))


STUBS = []
if not _exists("debates:debate-detail", ["x"]):
    STUBS.append(path("debates/<slug:slug>/", stub_debate_detail, name="debate-detail"))
if not _exists("debates:node-detail", ["x", 1]):
    STUBS.append(path("debates/<slug:slug>/nodes/<int:pk>/", stub_node_detail, name="node-detail"))
MAPS_MERGED = not STUBS

urlpatterns = [
    pattern
    for pattern in site_urls.urlpatterns
    if getattr(pattern, "urlconf_name", None) is not debate_urls and getattr(pattern, "app_name", None) != "debates"
] + [path("", include((debate_urls.urlpatterns + STUBS, "debates")))]
