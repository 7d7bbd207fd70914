"""The site's URLs plus /bench/nodes.json: the same rows as /api/nodes/ through a plain JsonResponse."""

from django.http import JsonResponse
from django.urls import include, path

from debates.maps import judging
from debates.models import Debate, Node, Status


def _stamp(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def nodes_json(request):
    """The baseline: a public debate's approved nodes, the same fields and queries as the API, by hand
    (the acceptability from the same judgement, kept per map revision, as the API's)."""
    debate = Debate.objects.select_related("map_revision").filter(slug=request.GET.get("debate", "")).first()
    judged = judging.judgement(debate).assessment.nodes if debate else {}
    nodes = (
        Node.objects.filter(debate__slug=request.GET.get("debate", ""), debate__classroom__isnull=True)
        .filter(status=Status.APPROVED)
        .select_related("debate", "author", "reviewed_by", "quote")
        .order_by("pk")
    )
    count = nodes.count()
    rows = []
    for node in nodes[:200]:
        quote = getattr(node, "quote", None) if hasattr(node, "quote") else None
        rows.append(
            {
                "id": node.pk,
                "debate": node.debate.slug,
                "kind": node.kind,
                "text": node.text,
                "quote": {"source": quote.source_id, "text": quote.text, "start": quote.start, "end": quote.end}
                if quote
                else None,
                "status": node.status,
                "author": node.author.username if node.author else None,
                "reviewed_by": node.reviewed_by.username if node.reviewed_by else None,
                "reviewed_at": _stamp(node.reviewed_at),
                "created_at": _stamp(node.created_at),
                "updated_at": _stamp(node.updated_at),
                "acceptability": judging.acceptability(judged.get(node.pk)),
            }
        )
    return JsonResponse({"count": count, "next": None, "previous": None, "results": rows})


urlpatterns = [
    path("bench/nodes.json", nodes_json),
    path("", include("config.urls")),
]
