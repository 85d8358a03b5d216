"""REST API of verification and closure (PROCESS §12): self-tests (staff), the customer's
verification (customers of the ticket's organization only, once per round), the closure state,
with the status codes of every refusal."""

import pytest

from tickets.models import OutboundEmail, SelfTest, Status, Ticket, Verification

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_the_engineer_records_self_tests_and_the_customer_is_asked(client, resolved, engineer):
    client.force_login(engineer)
    url = f"/api/v1/tickets/{resolved.number}/self-tests/"
    refused = post(client, url, {"passed": True, "notes": "  "})
    assert refused.status_code == 400 and "notes" in refused.json()
    assert not SelfTest.objects.exists()
    response = post(client, url, {"passed": True, "notes": "登录 10 次均成功"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["passed"], body["round"], body["author"]["id"]) == (True, 0, engineer.pk)
    assert OutboundEmail.objects.filter(ticket=resolved, template="ticket_verification").exists()
    listed = client.get(url).json()
    assert [row["id"] for row in listed] == [body["id"]]


def test_self_tests_are_staff_only(client, resolved, customer):
    client.force_login(customer)
    url = f"/api/v1/tickets/{resolved.number}/self-tests/"
    assert client.get(url).status_code == 403
    assert post(client, url, {"passed": True, "notes": "ok"}).status_code == 403
    assert not SelfTest.objects.exists()


def test_the_customer_sees_the_round_awaiting_and_confirms(client, tested, customer):
    client.force_login(customer)
    url = f"/api/v1/tickets/{tested.number}/verification/"
    state = client.get(url).json()
    assert state["awaiting_verification"] is True and state["verification"] is None
    response = post(client, url, {"solved": True, "comment": "可以登录了"})
    assert response.status_code == 200, response.content
    state = response.json()
    assert state["awaiting_verification"] is False
    assert (state["verification"]["outcome"], state["verification"]["via"]) == ("solved", "portal")
    again = post(client, url, {"solved": True})
    assert again.status_code == 410
    assert Verification.objects.count() == 1


def test_not_solved_needs_a_comment_then_opens_a_second_round(client, tested, customer):
    client.force_login(customer)
    url = f"/api/v1/tickets/{tested.number}/verification/"
    refused = post(client, url, {"solved": False})
    assert refused.status_code == 400 and "comment" in refused.json()
    assert Ticket.objects.get(pk=tested.pk).status == Status.RESOLVED
    response = post(client, url, {"solved": False, "comment": "导出仍然失败"})
    assert response.status_code == 200, response.content
    state = response.json()
    assert (state["round"], state["status"], state["verification"]) == (
        1,
        Status.IN_PROGRESS,
        None,
    )
    assert [v["outcome"] for v in state["earlier"]] == ["not_solved"]


def test_only_the_customer_verifies(client, tested, engineer):
    client.force_login(engineer)
    response = post(client, f"/api/v1/tickets/{tested.number}/verification/", {"solved": True})
    assert response.status_code == 400
    assert not Verification.objects.exists()


def test_before_the_self_test_the_customer_cannot_verify(client, resolved, customer):
    client.force_login(customer)
    url = f"/api/v1/tickets/{resolved.number}/verification/"
    assert client.get(url).json()["awaiting_verification"] is False
    assert post(client, url, {"solved": True}).status_code == 400


def test_another_organizations_customer_gets_404(client, tested, other_customer):
    client.force_login(other_customer)
    url = f"/api/v1/tickets/{tested.number}/verification/"
    assert client.get(url).status_code == 404
    assert post(client, url, {"solved": True}).status_code == 404
    assert not Verification.objects.exists()


def test_closure_state_for_staff(client, tested, engineer, customer):
    client.force_login(engineer)
    url = f"/api/v1/tickets/{tested.number}/closure/"
    state = client.get(url).json()
    assert (state["selftest_passed"], state["record"], state["verification"]) == (True, None, None)
    close = post(
        client,
        f"/api/v1/tickets/{tested.number}/close/",
        {
            "summary": "远程诊断",
            "solution": "重启服务",
            "people": [engineer.pk],
            "no_article_reason": "已有文章覆盖",
        },
    )
    assert close.status_code == 200, close.content
    state = client.get(url).json()
    assert state["status"] == Status.CLOSED
    assert state["record"]["summary"] == "远程诊断"
    assert [p["id"] for p in state["record"]["people"]] == [engineer.pk]
    client.force_login(customer)
    assert client.get(url).status_code == 403
