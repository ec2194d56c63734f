"""The contention benchmark's model of DynamoDB's transaction-conflict rule."""

from __future__ import annotations

from botocore.exceptions import ClientError

from bench.conflict_model import ConflictModel, cancelled_response
from processor.retry import TRANSIENT_CANCELLATION_CODES, error_code, is_transient

ITEM = ("loadtime", "2025-01-01T12:00Z")
OTHER = ("events#click#mobile", "2025-01-01T12:00Z")


def test_a_write_meeting_another_invocations_in_flight_item_is_refused() -> None:
    model = ConflictModel()
    # GIVEN invocation A writing ITEM
    assert model.enter("a", [ITEM]) == set()
    # WHEN B writes ITEM and OTHER: refused, naming the item in conflict, nothing started
    assert model.enter("b", [ITEM, OTHER]) == {ITEM}
    # AND A's own second transaction (its in-batch lanes) is not a conflict with itself
    assert model.enter("a", [ITEM]) == set()
    # THEN once A's writes are done, B goes through
    model.leave("a", [ITEM])
    assert model.enter("b", [ITEM]) == {ITEM}
    model.leave("a", [ITEM])
    assert model.enter("b", [ITEM, OTHER]) == set()


def test_the_cancellation_is_what_the_processor_retries() -> None:
    http, parsed = cancelled_response("TransactWriteItems", [False, True])
    error = ClientError(parsed, "TransactWriteItems")
    assert http.status_code == 400
    assert error_code(error) == "TransactionCanceledException"
    reasons = [r["Code"] for r in error.response["CancellationReasons"]]
    assert reasons == ["None", "TransactionConflict"]
    assert "TransactionConflict" in TRANSIENT_CANCELLATION_CODES
    _, single = cancelled_response("UpdateItem", [])
    assert is_transient(ClientError(single, "UpdateItem"))
