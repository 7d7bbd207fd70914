from debates.models import Node


def test_question_node_is_created_with_the_debate(debate):
    assert Node.objects.get(debate=debate, kind="question").text == debate.question
