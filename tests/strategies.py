"""Hypothesis strategies for request bodies: valid items, near-valid requests, and plain garbage."""

import json
import os

from hypothesis import strategies as st

from handler.request import ALLOWED_FIELDS, OPERATIONS

# How many cases each fuzz test tries (raise it for a long run: HARNESS_FUZZ_EXAMPLES=5000).
EXAMPLES = int(os.environ.get("HARNESS_FUZZ_EXAMPLES", "200"))

_finite_floats = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | st.integers() | _finite_floats | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
_all_field_names = sorted({name for fields in ALLOWED_FIELDS.values() for name in fields})
field_names = st.sampled_from([*_all_field_names, "TableName", "ReturnConsumedCapacity", "Select"]) | st.text(
    max_size=12
)
operations = st.sampled_from([*OPERATIONS, "drop", "", "CREATE"]) | st.text(max_size=10) | st.none() | st.integers()


@st.composite
def request_documents(draw: st.DrawFn) -> object:
    """Mostly request-shaped objects with wrong, missing or surplus parts; sometimes any JSON at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    document = {"operation": draw(operations)}
    if draw(st.booleans()):
        document["tableName"] = draw(st.sampled_from(["lambda-apigateway", "other"]) | st.text(max_size=10))
    if draw(st.booleans()):
        document["payload"] = draw(st.dictionaries(field_names, json_values, max_size=4) | json_values)
    return document


# Item attributes (the test adds a fresh, never-reused "id"): any JSON values under non-empty names.
item_attributes = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(lambda name: name != "id"), json_values, max_size=5
)

raw_bodies = (
    st.text(max_size=200)
    | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
    | st.builds(lambda value: json.dumps(value)[: len(json.dumps(value)) // 2], json_values)
)
