"""DynamoDB's check of ``ExpressionAttributeNames`` / ``ExpressionAttributeValues`` sent without an expression.

DynamoDB refuses either map when no expression of the request can use it, before it looks at the expressions
themselves, and answers outside the "1 validation error detected" envelope:

- names first: ``ExpressionAttributeNames can only be specified when using expressions`` when none of the
  operation's expressions is given (ProjectionExpression counts);
- then values: ``ExpressionAttributeValues can only be specified when using expressions: <E> is null`` (or
  ``<E1> and <E2> are null``), naming the operation's expressions that take values (ProjectionExpression does not),
  in DynamoDB's order: UpdateExpression, ConditionExpression, FilterExpression, KeyConditionExpression.

Sources: the answers recorded on DynamoDB by nubo-db/dynamodb-conformance (PutItem: "... ConditionExpression is
null"); AWS's DynamoDB Local 3.3.1, asked here for PutItem, UpdateItem ("UpdateExpression and ConditionExpression
are null"), DeleteItem, Scan ("FilterExpression is null", with a ProjectionExpression too), Query ("FilterExpression
and KeyConditionExpression are null"), GetItem and both maps at once (the names' answer); dynalite's
``validateExpressionParams``, written against DynamoDB, states the same rule.

MiniStack checked values before names, named no expression when an operation has two, counted ProjectionExpression
as one that takes values, and for PutItem, UpdateItem and DeleteItem answered inside the envelope
(``_single_write_request_error``). Here every operation's check (``_validate_expression_attrs``, which each handler
calls with its expressions) asks this rule first, and the envelope version steps aside for it. An empty map is left
to MiniStack's "must not be empty" answer, as before.
"""

from typing import Any

from ministack.core.responses import error_response_json
from ministack.services import dynamodb

NAMES, VALUES = "ExpressionAttributeNames", "ExpressionAttributeValues"
# The expressions that take values, in the order DynamoDB names them.
VALUE_EXPRESSIONS = ("UpdateExpression", "ConditionExpression", "FilterExpression", "KeyConditionExpression")

_original_validate_expression_attrs = dynamodb._validate_expression_attrs
_original_single_write_request_error = dynamodb._single_write_request_error


def unusable_map_message(data: dict, expressions: tuple[str, ...]) -> str | None:
    """DynamoDB's message for a names or values map that none of ``expressions`` (the operation's) can use."""
    given = [name for name in expressions if data.get(name) is not None]
    if data.get(NAMES) and not given:
        return f"{NAMES} can only be specified when using expressions"
    takes_values = [name for name in VALUE_EXPRESSIONS if name in expressions]
    if data.get(VALUES) and takes_values and not any(data.get(name) is not None for name in takes_values):
        verb = "are" if len(takes_values) > 1 else "is"
        return f"{VALUES} can only be specified when using expressions: {' and '.join(takes_values)} {verb} null"
    return None


def validate_expression_attrs_as_dynamodb(
    data: dict, expression_fields: tuple, size_wording: str | dict = "figure"
) -> Any:
    """MiniStack's check of the expressions' names and values, DynamoDB's rule above first."""
    message = unusable_map_message(data, tuple(expression_fields))
    if message:
        return error_response_json("ValidationException", message, 400)
    return _original_validate_expression_attrs(data, expression_fields, size_wording)


def single_write_request_error_without_map_check(data: dict) -> Any:
    """MiniStack's request checks of PutItem, UpdateItem and DeleteItem, but for a map no expression can use: that is
    answered by the operation's own expressions, in ``validate_expression_attrs_as_dynamodb``."""
    if not any(data.get(name) for name in VALUE_EXPRESSIONS):  # where MiniStack's own version would answer
        data = {name: value for name, value in data.items() if name not in (NAMES, VALUES) or not value}
    return _original_single_write_request_error(data)
