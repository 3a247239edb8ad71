"""Fuzzing every HTTP endpoint of the web front: no 500s, and every /api/ error in the API's own shape.

Schemathesis generates requests from the app's own OpenAPI schema, both valid ones and ones that break it (wrong
types, out-of-range ids, missing fields). What a schema cannot describe comes from a table of hostile values, each
sent in each place of each operation with the rest of the call kept working (so it gets past parsing, log-in and
lookups to the code that stores and answers), and from Hypothesis mixes of them: malformed JSON, lone surrogates
and NULs as raw JSON escapes, huge and negative ids, very long strings, wrong methods and content types.

Schemathesis only generates here; Starlette's TestClient sends. That keeps one in-process app per test on the test's
own fixtures (the conftest's fake Rasa, a real migrated SQLite store, the real customer lookup) and lets requests
carry the cookies of one of three visitors: anonymous, a shopper signed in with the demo sign-in, and an operator
logged into the console who sends the CSRF token, so the console's routes are fuzzed past their log-in checks.
Generation is derandomized and keeps no example database, so CI sends the same requests every run.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import httpx2
import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from sqlalchemy import select
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from backoffice.config import Settings
from backoffice.models import Order
from bot.app import create_app
from bot.staff_auth import STAFF_COOKIE
from tests.bot.conftest import CUSTOMERS, FakeRasa
from tests.bot.test_console import PASSWORD, Store

ANONYMOUS, SHOPPER, OPERATOR = "anonymous", "shopper", "operator"
SHOPPER_EMAIL = next(iter(CUSTOMERS))
BASE_URL = "http://testserver"
# Hypothesis examples per operation and visitor: schemathesis' valid and invalid cases, then hostile mixes.
EXAMPLES = 6
HOSTILE_EXAMPLES = 12
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    # One app and one visitor serve every example of a test (that is the point: it must keep serving).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)
# Routes outside the schema: the pages, the widget loader and static files get hostile HTTP calls by hand below.
PAGES = ["/", "/widget", "/widget.js", "/console", "/openapi.json", "/static"]
# WebSocket routes are not HTTP endpoints: their refusals are tested in test_widget.py and test_console.py.
WEBSOCKETS = ["/ws/chat", "/ws/console"]

HUGE = 10**30
HOSTILE_NUMBERS: list[Any] = [HUGE, -HUGE, -1, 0, 2**62, 2**62 + 1, 2**63, 2**64, 1.5, -0.0, 1e308, True]
HOSTILE_STRINGS = [
    "", " ", "\x00", "\ud800", "hi \ud800 there", "hi\x00there", "\udfff\ud800x", "no \udc00\udc00", "smile \ud83d",
    "\x1b[31m red \x7f", "\u202e reversed", "cafe\u0301 e\u0301te\u0301", "\ufeff bom", "x" * 5000,
    "\U0001f600" * 3000, "<script>alert(1)</script>", "../../etc/passwd", "%00", "NaN", "1e400", "\uff11\uff12",
    " 1", "-1", "0", str(HUGE), "null", "all", "approve", "pending",
]
QUERY_STRINGS = [text for text in HOSTILE_STRINGS if len(text) < 100] + ["x" * 1000, "\U0001f600" * 300]
# Raw bodies no serializer would make.
RAW_BODIES = [
    b"", b"{", b"}", b"null", b"[]", b"0", b'"x"', b"{}", b'{"message": }', b"{'message': 'hi'}",
    b'"\\ud800"', b'{"message": "\\ud800"}', b'{"message": "\\udfff\\ud800x"}', b'{"message": "\\u0000"}',
    b'{"text": "\\ud83d"}', b'{"email": "\\ud800@x"}', b'{"username": "\\u0000", "password": "\\ud800"}',
    b'{"reason": "\\ud800\\ud800\\ud800", "decision": "approve"}', b'{"message": 1e400}', b'{"message": NaN}',
    b'{"message": "hi", "button_of": 1e400}', b'{"message": "hi", "button_of": -Infinity}',
    b'{"staff_id": 1000000000000000000000000000000}', b'{"staff_id": 1.0e2}', b'{"staff_id": "1"}',
    b"\xff\xfe{\x00}\x00", b'{"message": "\xed\xa0\x80"}', b'{"message": "\xc3"}', b"\x00" * 64,
    b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000, b'{"message": "' + b"x" * 70_000 + b'"}',
]
CONTENT_TYPES = [
    None, "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/json; charset=utf-16", "application/json; charset=latin-1", "application/vnd.api+json", "*/*",
]
PATH_VALUES = ["0", "-1", str(HUGE), str(2**62 + 1), "1.5", "1e3", "abc", "%00", "%ED%A0%80", "%F0%9F%98%80",
               "\uff11", quote(" 1"), "x" * 3000, "..", "%2e%2e%2f", "600002"]
SIGN_IN_CALLS = {"POST /api/session/login", "POST /api/session/logout", "POST /api/console/login",
                 "POST /api/console/logout"}
WRONG_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Call:
    """One request, as raw as HTTP allows."""

    label: str  # the schema operation it exercises, e.g. "GET /api/history"
    method: str
    path: str  # already percent-encoded
    query: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str | None = None


@dataclass
class Visitor:
    """A browser with its cookies, the headers it adds to every call, and how it signs in again."""

    role: str
    client: TestClient
    headers: dict[str, str] = field(default_factory=dict)
    exercised: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def sign_in(self) -> None:
        if self.role == SHOPPER:
            answer = self.client.post("/api/session/login", json={"email": SHOPPER_EMAIL})
            assert answer.status_code == 200, answer.text
        elif self.role == OPERATOR:
            answer = self.client.post("/api/console/login", json={"username": "olive", "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            self.headers = {"x-csrf-token": answer.json()["csrf_token"]}

    def still_signed_in(self) -> bool:
        if self.role == SHOPPER:
            return bool(self.client.get("/api/session").json()["signed_in"])
        if self.role == OPERATOR:
            me = self.client.get("/api/console/me")
            if me.status_code == 200:  # a fuzzed log-in with the right password is a new log-in: its own token
                self.headers = {"x-csrf-token": me.json()["csrf_token"]}
            return me.status_code == 200
        return True

    def be_yourself(self) -> None:
        """After a fuzzed sign-in or log-out: anonymous forgets its cookies, the others sign in again if needed."""
        if self.role == ANONYMOUS:
            self.client.cookies.clear()
            return
        if self.role == SHOPPER and STAFF_COOKIE in self.client.cookies:  # the fuzzer guessed the operator's log-in
            del self.client.cookies[STAFF_COOKIE]
        if not self.still_signed_in():
            self.sign_in()

    def send(self, call: Call, *, collect: bool = False) -> httpx2.Response:
        """Send ``call`` and check the answer; ``collect`` notes a wrong answer instead of failing at once."""
        headers = dict(self.headers)
        if call.content_type is not None:
            headers["content-type"] = call.content_type
        url = BASE_URL + call.path
        if call.query:  # encoded here: httpx would refuse a lone surrogate rather than send its bytes
            url += ("&" if "?" in url else "?") + "&".join(f"{_escape(k)}={_escape(v)}" for k, v in call.query)
        response = self.client.request(call.method, url, content=call.body, headers=headers)
        self.exercised[call.label] += 1
        try:
            check_answer(call, response)
        except AssertionError as wrong:
            if not collect:
                raise
            self.failures.append(str(wrong).split("\n")[0])
        assert self.client.get("/healthz").status_code == 200, f"the app stopped serving after {call!r:.600}"
        if call.label in SIGN_IN_CALLS or response.status_code in (401, 403):
            self.be_yourself()
        return response


def _escape(text: str) -> str:
    """Percent-encode as UTF-8, lone surrogates too (as the invalid bytes a careless client would send)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def check_answer(call: Call, response: httpx2.Response) -> None:
    """No 5xx; every 4xx from /api/ in the API's error shape; no NUL or lone surrogate in any JSON answer."""
    shown = f"{call!r:.600} -> {response.status_code} {response.text[:300]!r}"
    assert response.status_code < 500, shown
    body: Any = None
    if call.method == "HEAD":  # headers only
        return
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
    if call.path.startswith("/api/") and response.status_code >= 400:
        assert isinstance(body, dict), shown
        assert body.get("error") is True and isinstance(body.get("detail"), str) and body["detail"], shown
    for text in _strings(body):
        assert "\x00" not in text and not _SURROGATE.search(text), shown
        assert unicodedata.is_normalized("NFC", text) or response.status_code >= 400, shown


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# -- the app, its data and the three visitors ---------------------------------------------------------------------

@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with small costs: fuzzed console log-ins hash every password they send."""
    monkeypatch.setattr("backoffice.staff.accounts._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def known(database_url: str) -> Iterator[dict[str, list[Any]]]:
    """The factory shop, a held order, staff and tickets: real ids mixed into the generated ones."""
    store = Store(database_url)
    shop = store.shop()
    with store.sessions.begin() as session:
        held = session.scalars(select(Order).where(Order.number == "600002")).one()
        held.fraud_score, held.fraud_hold, held.fraud_reasons = 0.9, True, ["new device"]
    staff = [store.add_staff("olive", "Olive Operator", "operator"), store.add_staff("sam", "Sam Agent")]
    tickets = [store.hand_off("conv-fuzz-1", customer_id=shop["alice"], order_id=shop["shipped"]),
               store.hand_off("conv-fuzz-2"), store.hand_off("conv-fuzz-3", summary="\u00e9t\u00e9")]
    store.engine.dispose()
    yield {"ticket_id": tickets, "staff_id": staff, "number": ["600002", "600001", "700001"]}


@pytest.fixture
def app(settings: Settings, fake_rasa: FakeRasa, known: dict[str, list[Any]]) -> FastAPI:
    """The web front with the real customer lookup, and rate limits high enough to fuzz past them."""
    fuzz_settings = settings.model_copy(update={
        "chat_burst": 10_000, "chat_per_minute": 1e9, "client_chat_per_minute": 1e9,
        "client_new_conversations_per_hour": 1e12, "client_logins_per_minute": 1e9})
    return create_app(fuzz_settings, rasa_transport=httpx.MockTransport(fake_rasa.handler))


@pytest.fixture(params=[ANONYMOUS, SHOPPER, OPERATOR])
def visitor(request: pytest.FixtureRequest, app: FastAPI) -> Iterator[Visitor]:
    # Server errors come back as the 500 a browser would get, not as exceptions: the assertions look at answers.
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        found = Visitor(request.param, client)
        found.sign_in()
        yield found


# -- what to send ------------------------------------------------------------------------------------------------

def from_case(case: Any) -> Call:
    """A schemathesis case as a raw call (JSON encoded here: lone surrogates as escapes, NaN allowed)."""
    sent = case.as_transport_kwargs(base_url=BASE_URL)
    url = urlsplit(sent["url"])
    query = [(str(k), _param(v)) for k, values in (sent.get("params") or {}).items()
             for v in (values if isinstance(values, list) else [values])]
    body, content_type = None, None
    if "json" in sent:
        body, content_type = json.dumps(sent["json"]).encode(), "application/json"
    elif sent.get("data") is not None:
        data = sent["data"]
        body = data if isinstance(data, bytes) else str(data).encode("utf-8", "surrogatepass")
        content_type = (sent.get("headers") or {}).get("Content-Type")
    return Call(case.operation.label, case.method.upper(), url.path + (f"?{url.query}" if url.query else ""),
                query, body, content_type)


def _param(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list | bool) or value is None else str(value)


def _body_fields(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    ref = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
           .get("schema", {}).get("$ref", ""))
    schema = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    return sorted(schema.get("properties", {}))


# Values a field takes when it is meant to work, so a hostile value next to them reaches past the first check.
GOOD = {"message": "hello", "text": "hi", "button_of": 1, "email": SHOPPER_EMAIL, "username": "olive",
        "password": PASSWORD, "decision": "approve", "reason": "looks fine"}
FIELD_VALUES: list[Any] = [*HOSTILE_STRINGS, *HOSTILE_NUMBERS, None, [], {"a": [1]}, ["hi"]]


@dataclass(frozen=True)
class Target:
    """One operation of the schema, with the path, query and body that make a working call to it."""

    label: str
    method: str
    path: str
    names: list[str]  # path parameters
    query_names: list[str]
    fields: list[str]  # JSON body fields

    def fill(self, values: dict[str, str]) -> str:
        filled = self.path
        for name in self.names:
            filled = filled.replace("{" + name + "}", values[name])
        return filled

    def good_body(self, known: dict[str, list[Any]]) -> dict[str, Any]:
        return {name: known["staff_id"][0] if name == "staff_id" else GOOD.get(name, "x") for name in self.fields}

    def call(self, known: dict[str, list[Any]], *, method: str | None = None, path: dict[str, str] | None = None,
             query: list[tuple[str, str]] | None = None, body: bytes | dict[str, Any] | None = None,
             content_type: str | None = "application/json") -> Call:
        values = {name: str(known[name][0]) for name in self.names} | (path or {})
        if body is None and self.fields:
            body = self.good_body(known)
        raw = json.dumps(body).encode() if isinstance(body, dict) else body  # ASCII: a lone surrogate as \ud800
        return Call(self.label, method or self.method, self.fill(values), query or [], raw,
                    content_type if raw is not None else None)


def target(spec: dict[str, Any], path: str, method: str) -> Target:
    operation = spec["paths"][path][method]
    return Target(f"{method.upper()} {path}", method.upper(), path, re.findall(r"\{(\w+)\}", path),
                  [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"],
                  _body_fields(spec, operation))


def hostile_table(op: Target, known: dict[str, list[Any]]) -> Iterator[Call]:
    """Every hostile value in every place of one operation, the rest of the call kept working."""
    for name in op.fields:
        for value in FIELD_VALUES:
            yield op.call(known, body=op.good_body(known) | {name: value})
        yield op.call(known, body={k: v for k, v in op.good_body(known).items() if k != name})
    for name in op.names:
        for text in PATH_VALUES:
            yield op.call(known, path={name: text})
    for name in op.query_names:
        for query in [*map(str, HOSTILE_NUMBERS), *QUERY_STRINGS]:
            yield op.call(known, query=[(name, query)])
        yield op.call(known, query=[(name, "1"), (name, "2")])
    yield op.call(known, query=[("unknown", "\ud800\x00"), ("after", str(HUGE))])
    if op.fields:
        for raw in RAW_BODIES:
            yield op.call(known, body=raw)
        for content_type in CONTENT_TYPES:
            yield op.call(known, content_type=content_type)
        yield op.call(known, body=op.good_body(known) | {"sender": "someone-else", "metadata": {"role": "admin"}})
    for method in WRONG_METHODS:
        if method != op.method:
            yield op.call(known, method=method)


def hostile_mixes(op: Target, known: dict[str, list[Any]]) -> st.SearchStrategy[Call]:
    """Random mixes of the table's hostile values: several places at once."""
    path_values = st.fixed_dictionaries({name: st.sampled_from([str(v) for v in known.get(name, [])] * 4
                                                                + PATH_VALUES) for name in op.names})
    fields = st.fixed_dictionaries({name: st.one_of(st.just(op.good_body(known)[name]), st.sampled_from(FIELD_VALUES),
                                                    st.text(st.characters(codec=None, exclude_categories=()),
                                                            max_size=8))
                                     for name in op.fields})
    bodies = st.one_of(fields, fields, fields, st.sampled_from(RAW_BODIES))
    queries = st.lists(st.tuples(st.sampled_from([*op.query_names, "after", "x"]),
                                 st.sampled_from([*map(str, HOSTILE_NUMBERS), *QUERY_STRINGS])), max_size=3)
    return st.builds(lambda method, path, query, body, content_type: op.call(
        known, method=method, path=path, query=query, body=body if op.fields else None, content_type=content_type),
        st.sampled_from([op.method] * 8 + WRONG_METHODS), path_values, queries, bodies,
        st.sampled_from(["application/json"] * 8 + CONTENT_TYPES))


def schema_operations(app: FastAPI) -> tuple[dict[str, Any], list[APIOperation]]:
    """The app's OpenAPI schema, and each of its operations as schemathesis reads it."""
    spec = app.openapi()
    operations = []
    for result in schemathesis.openapi.from_dict(spec).get_all_operations():
        assert isinstance(result, Ok), result  # schemathesis could not read an operation: it would go unfuzzed
        operations.append(result.ok())
    return spec, operations


def flat_routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """``app.routes`` with included routers opened up (FastAPI keeps them as one entry each)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flat_routes(inner.routes)
        else:
            yield route


def fuzz(visitor: Visitor, calls: st.SearchStrategy[Call], examples: int = EXAMPLES) -> None:
    @hypothesis_settings(FUZZ_SETTINGS, max_examples=examples)
    @given(call=calls)
    def run(call: Call) -> None:
        note(f"{call!r:.2000}")
        visitor.send(call)

    run()


# -- the tests ---------------------------------------------------------------------------------------------------

def test_every_http_endpoint_survives_fuzzing(app: FastAPI, visitor: Visitor, known: dict[str, list[Any]]) -> None:
    """Each schema operation: schemathesis' valid and invalid cases, the hostile table, then random hostile mixes."""
    spec, operations = schema_operations(app)
    for operation in operations:
        pinned = [operation.as_strategy(GenerationMode.POSITIVE, path_parameters={name: value})
                  for name in re.findall(r"\{(\w+)\}", operation.path) for value in known.get(name, [])]
        takes_input = {"parameters", "requestBody"} & set(spec["paths"][operation.path][operation.method])
        # Negative generation needs something to break: /healthz and friends take no input (raw calls still come).
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes_input else (GenerationMode.POSITIVE,):
            fuzz(visitor, st.one_of(operation.as_strategy(mode), *pinned).map(from_case))
        op = target(spec, operation.path, operation.method)
        for call in hostile_table(op, known):
            visitor.send(call, collect=True)
        fuzz(visitor, hostile_mixes(op, known), HOSTILE_EXAMPLES)
        assert visitor.still_signed_in(), operation.label
    page_calls = st.builds(
        Call, st.just("pages"), st.sampled_from(WRONG_METHODS),
        st.one_of(st.sampled_from(PAGES), st.sampled_from(["/static/", "/static/widget/"]).flatmap(
            lambda prefix: st.sampled_from(PATH_VALUES).map(lambda value: prefix + value))),
        st.lists(st.tuples(st.just("v"), st.sampled_from(HOSTILE_STRINGS)), max_size=2),
        st.sampled_from([None, b"{", b"\x00"]), st.sampled_from(CONTENT_TYPES))
    fuzz(visitor, page_calls, HOSTILE_EXAMPLES)

    assert not visitor.failures, "\n".join(visitor.failures)
    documented = {operation.label for operation in operations}
    assert set(visitor.exercised) - {"pages"} == documented
    for route in flat_routes(app.routes):
        if isinstance(route, WebSocketRoute):
            assert route.path in WEBSOCKETS
        elif isinstance(route, Route) and route.include_in_schema:
            assert {f"{m} {route.path}" for m in route.methods or ()} - {"HEAD " + route.path} <= documented
        else:
            assert isinstance(route, Mount | Route) and route.path in PAGES, route


def test_every_api_route_is_in_the_schema_the_fuzzer_reads(app: FastAPI) -> None:
    """The fuzz test finds its operations in the schema: an /api/ route left out of it would go unfuzzed."""
    _, operations = schema_operations(app)
    documented = {operation.label for operation in operations}
    routes = list(flat_routes(app.routes))
    api = {f"{m} {r.path}" for r in routes if isinstance(r, Route) and r.path.startswith("/api/")
           for m in r.methods or ()}
    assert api == {label for label in documented if label.split(" ")[1].startswith("/api/")}
    assert sorted(r.path for r in routes if isinstance(r, WebSocketRoute)) == sorted(WEBSOCKETS)
