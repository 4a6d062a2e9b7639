"""``/v1/webhooks`` on the embedded default (SQLite): the secret shown once, the 422s
(event types, URLs that resolve to private addresses), paging, tenancy, delete."""

from __future__ import annotations

import base64

import pytest

from tests.api.factories import assert_problem

ALLOWED = "job.succeeded, job.failed, job.cancelled, model.alias_moved, sweep.completed"
PUBLIC = "https://93.184.215.14/hooks"  # a public address: no DNS needed


def create(client, url: str = PUBLIC, events=("job.succeeded",), **body):
    return client.post("/v1/webhooks", json={"url": url, "events": list(events), **body})


def test_create_shows_the_secret_once(client):
    # when
    made = create(
        client, events=["job.succeeded", "model.alias_moved", "sweep.completed", "job.succeeded"]
    )
    # then: 201 with the secret, whsec_ + base64 of 32 bytes
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["location"] == f"/v1/webhooks/{body['id']}"
    # each once, in order
    assert body["events"] == ["job.succeeded", "model.alias_moved", "sweep.completed"]
    assert body["url"] == PUBLIC and body["description"] is None
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"), validate=True)) == 32
    # and never again: not in the webhook, not in the list
    got = client.get(f"/v1/webhooks/{body['id']}").json()
    assert "secret" not in got and got == {k: v for k, v in body.items() if k != "secret"}
    listed = client.get("/v1/webhooks").json()["items"]
    assert listed == [got]
    # each webhook has a secret of its own
    assert create(client).json()["secret"] != body["secret"]


@pytest.mark.parametrize(
    ("events", "loc", "detail"),
    [
        (
            ["job.succeeded", "job.finished"],
            "events.1",
            f"unknown event type 'job.finished'; the event types are {ALLOWED}",
        ),
        (
            ["job.queued"],
            "events.0",
            f"unknown event type 'job.queued'; the event types are {ALLOWED}",
        ),
    ],
)
def test_unknown_event_types_are_422_listing_the_allowed_ones(client, events, loc, detail):
    refused = create(client, events=events)
    problem = assert_problem(refused, 422, "validation-error", loc)
    assert problem["detail"] == detail
    assert client.get("/v1/webhooks").json()["items"] == []  # nothing stored


def test_no_events_is_422(client):
    assert_problem(create(client, events=[]), 422, "validation-error", "events")


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        (
            "http://127.0.0.1:8080/hook",
            "the host '127.0.0.1' resolves to 127.0.0.1, a loopback address; webhooks call "
            "public addresses only (SYN0_WEBHOOKS_ALLOW_PRIVATE=true allows others)",
        ),
        ("http://localhost/hook", "the host 'localhost' resolves to "),
        ("https://10.1.2.3/hook", "the host '10.1.2.3' resolves to 10.1.2.3, a private address"),
        ("http://192.168.0.7/", "resolves to 192.168.0.7, a private address"),
        ("http://169.254.169.254/latest", "resolves to 169.254.169.254, a link-local address"),
        ("http://[::1]:9000/", "resolves to ::1, a loopback address"),
        ("http://[fe80::1]/", "resolves to fe80::1, a link-local address"),
        ("http://224.0.0.1/", "resolves to 224.0.0.1, a multicast address"),
        ("http://0.0.0.0/", "resolves to 0.0.0.0, an unspecified address"),
        ("http://[::ffff:10.0.0.1]/", "a private address; webhooks call public addresses"),
        ("http://100.64.0.1/", "100.64.0.1, an address that is not globally routable"),
        ("ftp://93.184.215.14/", "a webhook URL starts with https:// or http://; received"),
        ("https:///nohost", "a webhook URL names a host; received 'https:///nohost'"),
        ("http://93.184.215.14:99999/", "is not a URL: Port out of range"),
    ],
)
def test_urls_on_private_addresses_are_refused(make_client, url, detail):
    client = make_client(webhooks_allow_private=False)
    refused = create(client, url=url)
    problem = assert_problem(refused, 422, "validation-error", "url")
    assert detail in problem["detail"], problem["detail"]
    assert client.get("/v1/webhooks").json()["items"] == []


def test_private_addresses_are_allowed_by_the_setting(make_client):
    client = make_client(webhooks_allow_private=True)
    assert create(client, url="http://127.0.0.1:8080/hook").status_code == 201


def test_the_number_of_webhooks_is_limited(make_client):
    client = make_client(webhooks_max_per_tenant=2)
    assert [create(client).status_code for _ in range(2)] == [201, 201]
    problem = assert_problem(create(client), 422, "limit-exceeded", "url")
    assert problem["detail"] == (
        "the number of webhooks is 3, over the limit of 2 (set by "
        "SYN0_WEBHOOKS_MAX_PER_TENANT); make the request smaller"
    )


def test_lists_page_newest_first(client):
    made = [create(client, description=f"hook {i}").json()["id"] for i in range(5)]
    first = client.get("/v1/webhooks", params={"limit": 2}).json()
    assert [w["id"] for w in first["items"]] == made[::-1][:2]
    second = client.get("/v1/webhooks", params={"limit": 2, "cursor": first["next_cursor"]})
    third = client.get("/v1/webhooks", params={"limit": 2, "cursor": second.json()["next_cursor"]})
    assert [w["id"] for w in second.json()["items"]] == made[::-1][2:4]
    assert [w["id"] for w in third.json()["items"]] == made[:1]
    assert third.json()["next_cursor"] is None
    assert_problem(client.get("/v1/webhooks", params={"limit": 101}), 422, "validation-error")


def test_delete(client):
    hook = create(client).json()["id"]
    assert client.delete(f"/v1/webhooks/{hook}").status_code == 204
    assert_problem(client.get(f"/v1/webhooks/{hook}"), 404, "not-found")
    assert_problem(client.delete(f"/v1/webhooks/{hook}"), 404, "not-found")
    assert client.get("/v1/webhooks").json()["items"] == []


def test_another_tenants_webhooks_are_not_found(client, make_key, make_client):
    hook = create(client).json()["id"]
    other = make_client(make_key("globex"))
    for call in (
        lambda: other.get(f"/v1/webhooks/{hook}"),
        lambda: other.delete(f"/v1/webhooks/{hook}"),
        lambda: other.get(f"/v1/webhooks/{hook}/deliveries"),
        lambda: other.post(f"/v1/webhooks/{hook}/deliveries/msg_{'0' * 32}/resend"),
    ):
        problem = assert_problem(call(), 404, "not-found")
        assert problem["detail"] == f"no webhook with id {hook!r}"
    assert other.get("/v1/webhooks").json()["items"] == []
    assert client.get(f"/v1/webhooks/{hook}").status_code == 200  # still there


def test_a_key_without_the_train_scope_is_403(make_key, make_client):
    predict_only = make_client(make_key("acme", ("predict",)))
    assert_problem(create(predict_only), 403, "forbidden")
    assert_problem(predict_only.get("/v1/webhooks"), 403, "forbidden")


def test_an_unknown_delivery_is_404(client):
    hook = create(client).json()["id"]
    assert client.get(f"/v1/webhooks/{hook}/deliveries").json() == {
        "items": [],
        "next_cursor": None,
    }
    for delivery in (f"msg_{'0' * 32}", "nope", "0" * 32):
        problem = assert_problem(
            client.post(f"/v1/webhooks/{hook}/deliveries/{delivery}/resend"), 404, "not-found"
        )
        assert problem["detail"] == f"webhook {hook!r} has no delivery with id {delivery!r}"
