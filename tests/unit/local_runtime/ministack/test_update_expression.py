"""The UpdateExpression grammar check the MiniStack launcher adds: DynamoDB's verdicts and messages."""

import pytest

from local_runtime.ministack.update_expression import UpdateExpressionError, check

pytestmark = pytest.mark.unit

VALID = [
    "SET v = :v",
    "set v = :v",
    "SET a.b[0] = :x, #n = if_not_exists(#n, :zero) + :one",
    "SET l = list_append(l, :items) REMOVE gone",
    "SET a = b - :c",
    "REMOVE a, b.c[2]",
    "ADD counter :n",
    "DELETE tags :old",
    "REMOVE x SET y = :y ADD z :z DELETE w :w",
]
INVALID = [
    ("SET = =", 'Syntax error; token: "=", near: "SET = ="'),
    ("SET a =", 'token: "<EOF>"'),
    ("SET a :v", 'token: ":v"'),
    ("SET", 'token: "<EOF>", near: "SET"'),
    ("FOO a = :v", 'token: "FOO"'),
    ("SET a = :v SET b = :w", 'The "SET" section can only be used once'),
    ("REMOVE :v", 'token: ":v"'),
    ("ADD a", 'token: "<EOF>"'),
    ("SET a = :v;", 'token: ";"'),
    ("SET a[x] = :v", 'token: "x"'),
    ("SET a = :v,", 'token: "<EOF>"'),
    ("", "The expression can not be empty"),
]


@pytest.mark.parametrize("expression", VALID)
def test_valid__passes(expression):
    check(expression)


@pytest.mark.parametrize(("expression", "message"), INVALID)
def test_invalid__refused_with_dynamodbs_message(expression, message):
    with pytest.raises(UpdateExpressionError, match="^Invalid UpdateExpression: ") as raised:
        check(expression)
    assert message in str(raised.value)
