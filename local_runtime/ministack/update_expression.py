"""DynamoDB's UpdateExpression grammar, checked the way DynamoDB checks it, for emulators that do not.

MiniStack executes what it can make sense of, so ``SET = =`` gave 200 where DynamoDB answers 400
``Invalid UpdateExpression: Syntax error; token: "=", near: "SET = ="``. The grammar, from DynamoDB's
developer guide ("Update expressions"):

    update   ::= clause+                       each of SET, REMOVE, ADD, DELETE at most once
    SET      ::= path "=" value ("," path "=" value)*
    REMOVE   ::= path ("," path)*
    ADD      ::= path :value ("," path :value)*
    DELETE   ::= path :value ("," path :value)*
    value    ::= operand | operand "+" operand | operand "-" operand
    operand  ::= path | :value | if_not_exists(path, value) | list_append(value, value)
    path     ::= name ("." name | "[" number "]")*       name: an identifier or a #placeholder
"""

import re

CLAUSES = ("SET", "REMOVE", "ADD", "DELETE")
FUNCTIONS = {"if_not_exists", "list_append"}
_TOKEN = re.compile(
    r"\s*(?:(?P<value>:[A-Za-z0-9_]+)|(?P<name>#[A-Za-z0-9_]+)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|"
    r"(?P<number>[0-9]+)|(?P<symbol>[=+\-,.\[\]()]))"
)


class UpdateExpressionError(ValueError):
    """The expression breaks DynamoDB's grammar; the message is DynamoDB's."""


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        if match is None:
            bad = expression[position:].strip()[:1]
            raise UpdateExpressionError(f'Invalid UpdateExpression: Syntax error; token: "{bad}", near: "{bad}"')
        kind = match.lastgroup or "symbol"
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "<EOF>")

    def fail(self) -> UpdateExpressionError:
        token = self.peek()[1]
        near = " ".join(text for _, text in self.tokens[max(0, self.at - 1) : self.at + 2]) or token
        return UpdateExpressionError(f'Invalid UpdateExpression: Syntax error; token: "{token}", near: "{near}"')

    def take(self, *texts: str, kind: str | None = None) -> str:
        token_kind, text = self.peek()
        if (kind and token_kind == kind) or (texts and text in texts):
            self.at += 1
            return text
        raise self.fail()

    def is_clause(self) -> bool:
        kind, text = self.peek()
        return kind == "word" and text.upper() in CLAUSES

    def path(self) -> None:
        if self.peek()[0] not in ("word", "name") or self.is_clause():
            raise self.fail()
        self.at += 1
        while self.peek()[1] in (".", "["):
            if self.take(".", "[") == ".":
                self.take(kind="word") if self.peek()[0] == "word" else self.take(kind="name")
            else:
                self.take(kind="number")
                self.take("]")

    def operand(self) -> None:
        kind, text = self.peek()
        if kind == "value":
            self.at += 1
        elif kind == "word" and text in FUNCTIONS and self.tokens[self.at + 1 : self.at + 2] == [("symbol", "(")]:
            self.at += 2
            self.path() if text == "if_not_exists" else self.value()
            self.take(",")
            self.value()
            self.take(")")
        else:
            self.path()

    def value(self) -> None:
        self.operand()
        if self.peek()[1] in ("+", "-"):
            self.at += 1
            self.operand()

    def clause(self, name: str) -> None:
        while True:
            self.path()
            if name == "SET":
                self.take("=")
                self.value()
            elif name in ("ADD", "DELETE"):
                self.take(kind="value")
            if self.peek()[1] != ",":
                return
            self.at += 1


def check(expression: str) -> None:
    """Raise ``UpdateExpressionError`` (DynamoDB's message) unless ``expression`` is grammatical."""
    parser = _Parser(_tokens(expression))
    seen: set[str] = set()
    if parser.peek()[0] == "end":
        raise UpdateExpressionError("Invalid UpdateExpression: The expression can not be empty;")
    while parser.peek()[0] != "end":
        if not parser.is_clause():
            raise parser.fail()
        name = parser.peek()[1].upper()
        if name in seen:
            raise UpdateExpressionError(
                f'Invalid UpdateExpression: The "{name}" section can only be used once in an update expression;'
            )
        seen.add(name)
        parser.at += 1
        parser.clause(name)
