"""Numbers and odd types cross the JSON / DynamoDB boundaries exactly."""

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

from handler import codec, dynamo
from handler.codec import BodyError

pytestmark = pytest.mark.unit


def test_decode__fractions_become_decimal_and_integers_stay_int():
    assert codec.decode('{"a": 0.1, "b": 12345678901234567890123456789012345678}') == {
        "a": Decimal("0.1"),
        "b": 12345678901234567890123456789012345678,
    }


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", '{"a": NaN}', "{", ""])
def test_decode__rejects_what_json_does_not_have(text):
    with pytest.raises(BodyError):
        codec.decode(text)


def test_encode__prints_decimals_exactly_and_keeps_unicode():
    text = codec.encode({"pi": Decimal("3.1415926535897932384626433832795028"), "s": "żółw"})
    assert text == '{"pi": 3.1415926535897932384626433832795028, "s": "żółw"}'


def test_encode__sets_as_sorted_lists_and_binary_as_base64():
    assert codec.encode({"ns": {Decimal(3), Decimal(1)}, "b": Binary(b"\x00\x01")}) == '{"ns": [1, 3], "b": "AAE="}'


def test_read__a_39_digit_integer_dynamodb_returns_for_1e38_is_exact():
    # DynamoDB stores 1E+38 and returns it as 39 digits; boto3's own 38-digit context raises on that.
    assert dynamo._from_wire({"n": {"N": "100000000000000000000000000000000000000"}}) == {"n": Decimal(10) ** 38}


def test_write__over_38_significant_digits_is_refused_like_dynamodb():
    from decimal import Inexact

    with pytest.raises(Inexact):
        dynamo._to_wire({"n": 123456789012345678901234567890123456789})
