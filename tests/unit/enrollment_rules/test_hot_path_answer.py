"""The hot path's answer to an enrollment is the route's: its view serialised as the route's response model would."""

from __future__ import annotations

from datetime import date

import orjson

from enrollment.api import schemas
from enrollment.api.hot_path import ROUTE, TEMPLATE
from enrollment.domain import snapshots, views


def test_the_hot_paths_answer_is_what_the_routes_response_model_would_send():
    snapshot = snapshots.enrollment_of("F1", "E1", "K1", "C1", "full_day", date(2022, 9, 1), None,
                                       [(date(2022, 9, 1), 200000)], 1)
    view = views.enrollment_of_snapshot(snapshot, date(2022, 9, 15))
    routed = schemas.Enrollment.model_validate(view).model_dump(mode="json", by_alias=True)
    assert orjson.loads(orjson.dumps(view)) == routed


def test_the_hot_path_stands_in_for_the_documented_post_route():
    assert ROUTE.path == TEMPLATE and ROUTE.methods == {"POST"} and ROUTE.response_model is schemas.Enrollment


class _Route:
    """The app behind the hot path: records what reached it and the body it could read."""

    def __init__(self):
        self.seen = []

    async def __call__(self, scope, receive, send):
        message = await receive()
        self.seen.append((scope["path"], message["body"]))


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {"type": "http", "method": "POST", "path": path, "headers": headers, "query_string": b""}


async def _send_through(hot_path, scope, body: bytes):
    chunks = [{"type": "http.request", "body": body[:5], "more_body": True},
              {"type": "http.request", "body": body[5:], "more_body": False}]

    async def receive():
        return chunks.pop(0)

    async def send(message):
        raise AssertionError(f"the hot path answered itself: {message}")

    await hot_path(scope, receive, send)


async def test_a_request_the_hot_path_does_not_take_reaches_the_route_with_its_whole_body():
    from types import SimpleNamespace

    from enrollment.api.hot_path import EnrollmentHotPath
    from tuoyu.settings import CommonSettings

    route = _Route()
    app = SimpleNamespace(state=SimpleNamespace(settings=CommonSettings(
        admin_key="a", finance_key="f", operator_key="o", hash_pepper="p")))
    hot_path = EnrollmentHotPath(route, fastapi=app)
    body = b'{"external_id": "E1", "child": "K1", "class": "C1"}'
    json = [(b"content-type", b"application/json")]
    await _send_through(hot_path, _scope("/facilities/F1/enrollments", json), body)  # no key: the route says 401
    await _send_through(hot_path, _scope("/facilities/F1/enrollments", [(b"content-type", b"text/csv")]), body)
    await _send_through(hot_path, _scope("/facilities/F1/enrollments", json + [(b"authorization", b"Bearer a")]),
                        b'{"external_id": ')  # not JSON: the route's 422
    await _send_through(hot_path, _scope("/facilities/F1/classes", json), body)
    assert [path for path, _ in route.seen] == ["/facilities/F1/enrollments"] * 3 + ["/facilities/F1/classes"]
    assert [len(b) for _, b in route.seen] == [len(body), 5, len(b'{"external_id": '), 5]
