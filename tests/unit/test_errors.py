"""One error tree, one JSON shape, messages in the negotiated language."""

from __future__ import annotations

import inspect

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from voting import errors
from voting.errors import (
    BallotRejected,
    CardRejected,
    Conflict,
    DomainError,
    ImportRejected,
    InvalidInput,
    InvalidTransition,
    NotFound,
    RowError,
    VoteNotOpen,
    error_body,
    install_error_handlers,
)


def all_error_classes() -> list[type[DomainError]]:
    return [obj for name, obj in inspect.getmembers(errors, inspect.isclass)
            if issubclass(obj, DomainError) and not name.startswith("_")]


def test_codes_are_unique_and_complete() -> None:
    classes = all_error_classes()
    assert len(classes) >= 9
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))
    for cls in classes:
        assert cls.message_zh and cls.message_en
        assert 400 <= cls.http_status <= 599


def test_codes_are_the_documented_ones() -> None:
    assert NotFound.code == "not_found" and NotFound.http_status == 404
    assert Conflict.http_status == 409
    assert ImportRejected.code == "import.invalid_rows" and ImportRejected.http_status == 422
    assert CardRejected.code == "card.rejected" and CardRejected.http_status == 403
    assert issubclass(ImportRejected, InvalidInput) and issubclass(BallotRejected, InvalidInput)
    for cls in (InvalidTransition, VoteNotOpen, BallotRejected):
        assert cls.__doc__


def test_messages_are_formatted_in_both_languages() -> None:
    exc = NotFound("session", 7)
    assert exc.message("zh-CN") == "未找到会议：7"
    assert exc.message("en") == "No session 7"
    assert str(exc) == "No session 7"
    assert InvalidTransition("draft", "tallied").message("en") == (
        "Cannot move the vote from 'draft' to 'tallied'"
    )


def test_card_rejected_is_one_answer() -> None:
    # Same body whatever went wrong with the card: nothing to tell the cases apart.
    with pytest.raises(TypeError):
        CardRejected("spent")  # type: ignore[call-arg]
    assert error_body(CardRejected(), "zh-CN") == error_body(CardRejected(), "zh-CN")
    assert error_body(CardRejected(), "en")["error"]["details"] == {}


def test_import_rejected_lists_rows() -> None:
    rows = [RowError(line=3, field="seat", reason_zh="重复", reason_en="repeated")]
    body = error_body(ImportRejected(rows), "en")["error"]
    assert body["code"] == "import.invalid_rows"
    assert body["details"]["rows"] == rows and body["details"]["count"] == 1
    assert "1" in body["message_zh"] and "1" in body["message_en"]


class Item(BaseModel):
    secret: str
    count: int


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/missing")
    def missing() -> None:
        raise NotFound("vote", "projects-2019")

    @app.get("/card")
    def card() -> None:
        raise CardRejected()

    @app.post("/items")
    def items(item: Item) -> Item:
        return item

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("boom: internal detail")

    return TestClient(app, raise_server_exceptions=False)


def test_domain_error_shape_defaults_to_chinese(client: TestClient) -> None:
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "未找到表决事项：projects-2019",
            "message_zh": "未找到表决事项：projects-2019",
            "message_en": "No vote projects-2019",
            "details": {"resource": "vote", "key": "projects-2019"},
        }
    }


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"headers": {"accept-language": "en-US,en;q=0.9"}}, "zh-CN"),  # locale is not a choice
        ({"headers": {"accept-language": "fr, zh;q=0.5, en;q=0.4"}}, "zh-CN"),
        ({"params": {"lang": "en"}, "headers": {"accept-language": "zh-CN"}}, "en"),
        ({"cookies": {"lang": "en"}}, "en"),
        ({"params": {"lang": "zh"}, "cookies": {"lang": "en"}}, "zh-CN"),
        ({"params": {"lang": "xx"}}, "zh-CN"),
    ],
)
def test_message_language_is_negotiated(client: TestClient, kwargs: dict[str, object],
                                        expected: str) -> None:
    client.cookies.clear()
    cookies = kwargs.pop("cookies", None)
    if isinstance(cookies, dict):
        for name, value in cookies.items():
            client.cookies.set(name, value)
    body = client.get("/card", **kwargs).json()["error"]  # type: ignore[arg-type]
    assert body["code"] == "card.rejected"
    assert body["message"] == body["message_en" if expected == "en" else "message_zh"]


def test_validation_errors_share_the_shape_and_echo_no_input(client: TestClient) -> None:
    response = client.post("/items", json={"secret": "card-secret-123", "count": "many"})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "request.invalid"
    assert body["details"]["errors"][0]["loc"] == ["body", "count"]
    assert "card-secret-123" not in response.text


def test_unknown_route_and_method_share_the_shape(client: TestClient) -> None:
    response = client.get("/nowhere", params={"lang": "en"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "http.not_found"
    assert response.json()["error"]["message"] == "No such page or endpoint"
    response = client.delete("/missing")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "http.method_not_allowed"


def test_crash_answers_in_the_shape_without_details(client: TestClient) -> None:
    response = client.get("/crash")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal"
    assert "boom" not in response.text
