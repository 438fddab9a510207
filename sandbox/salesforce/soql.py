"""SOQL: a tokenizer and a recursive-descent parser for the subset the sandbox serves.

Grammar (keywords case-insensitive)::

    query      := SELECT select FROM name [WHERE condition] [ORDER BY order (, order)*]
                  [LIMIT integer] [OFFSET integer]
    select     := COUNT ( ) | item (, item)*
    item       := name | ( query )     -- a parent-to-child subquery, one level deep
    condition  := unary (AND unary)* | unary (OR unary)*     -- mixing needs parentheses
    unary      := NOT unary | ( condition ) | name op literal | name [NOT] IN ( literals )
                | name LIKE string
    op         := = | != | <> | < | <= | > | >=
    literal    := 'string' | number | TRUE | FALSE | NULL | date | datetime
                | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS:n | NEXT_N_DAYS:n | N_DAYS_AGO:n
    order      := name [ASC | DESC] [NULLS FIRST | NULLS LAST]

Like real SOQL, AND and OR may not be mixed at one level without parentheses, strings take
single quotes with backslash escapes, and date/datetime literals are unquoted
(``2026-10-01``, ``2026-10-01T08:00:00Z``, ``...T08:00:00.000+02:00``). The parser only checks
syntax; ``query.py`` checks names and literal types against the describe.
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_LEXEMES = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<baddatetime>\d{4}-\d{2}-\d{2}T[\w:.+-]*)"
    r"|(?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))"
    r"|(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w.]))"
    r"|(?P<relative>(?i:LAST_N_DAYS|NEXT_N_DAYS|N_DAYS_AGO):\d+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op><=|>=|!=|<>|=|<|>)"
    r"|(?P<punct>[(),])"
    r"|(?P<quote>')"
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'",
            "\\": "\\", "_": "_", "%": "%"}
COMPARISONS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})


class SoqlSyntaxError(Exception):
    """Malformed query; ``pos`` is the offset of the offending token in the query text."""

    def __init__(self, text: str, pos: int) -> None:
        super().__init__(text)
        self.text = text
        self.pos = pos


@dataclass(frozen=True)
class Token:
    kind: str  # name, string, number, date, datetime, op, punct, end
    text: str
    pos: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "name" and self.text.upper() in words


@dataclass(frozen=True)
class Name:
    text: str
    pos: int


@dataclass(frozen=True)
class Literal:
    kind: str  # string, number, date, datetime, boolean, null
    value: str | Decimal | bool | None  # strings stay raw (escapes undecoded) for LIKE
    pos: int
    text: str


@dataclass(frozen=True)
class Comparison:
    field: Name
    op: str
    value: Literal


@dataclass(frozen=True)
class InList:
    field: Name
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    field: Name
    pattern: Literal


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    operands: tuple[Condition, ...]


Condition = Comparison | InList | Like | Not | BoolOp


@dataclass(frozen=True)
class OrderItem:
    field: Name
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    select: tuple[Name | Query, ...]  # a Query here is a subquery: FROM names a relationship
    count_only: bool
    sobject: Name
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None

    @property
    def fields(self) -> tuple[Name, ...]:
        return tuple(item for item in self.select if isinstance(item, Name))


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "'":
            raw, pos_after = _scan_string(text, pos)
            tokens.append(Token("string", raw, pos))
            pos = pos_after
            continue
        match = _LEXEMES.match(text, pos)
        if match is None or match.lastgroup == "baddatetime":
            raise SoqlSyntaxError(f"unexpected character(s): {text[pos:pos + 10]!r}", pos)
        if match.lastgroup != "ws":
            tokens.append(Token(str(match.lastgroup), match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _scan_string(text: str, start: int) -> tuple[str, int]:
    """The raw body of the quoted string at ``start`` and the offset after its closing quote."""
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            if pos + 1 >= len(text):
                break
            escaped = text[pos + 1]
            unicode_ok = escaped == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[pos + 2 : pos + 6])
            if escaped.lower() not in _ESCAPES and not unicode_ok:
                raise SoqlSyntaxError(f"Invalid string literal escape: \\{escaped}", pos)
            pos += 6 if escaped == "u" else 2
            continue
        if char == "'":
            return text[start + 1 : pos], pos + 1
        pos += 1
    raise SoqlSyntaxError("unterminated string literal", start)


def decode_string(raw: str) -> str:
    """The value of a string literal's raw body, escapes resolved."""
    out: list[str] = []
    pos = 0
    while pos < len(raw):
        if raw[pos] == "\\":
            escaped = raw[pos + 1]
            if escaped == "u":
                out.append(chr(int(raw[pos + 2 : pos + 6], 16)))
                pos += 6
                continue
            out.append(_ESCAPES.get(escaped, _ESCAPES.get(escaped.lower(), escaped)))
            pos += 2
            continue
        out.append(raw[pos])
        pos += 1
    return "".join(out)


def like_regex(raw: str) -> re.Pattern[str]:
    """A case-insensitive regex for a LIKE pattern: ``%`` any run, ``_`` one char, ``\\%``/``\\_``
    literal."""
    parts: list[str] = []
    pos = 0
    while pos < len(raw):
        char = raw[pos]
        if char == "\\":
            length = 6 if raw[pos + 1] == "u" else 2
            parts.append(re.escape(decode_string(raw[pos : pos + length])))
            pos += length
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        pos += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def parse(text: str) -> Query:
    return _Parser(tokenize(text)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0

    @property
    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _next(self) -> Token:
        token = self._tokens[self._index]
        self._index = min(self._index + 1, len(self._tokens) - 1)
        return token

    def _fail(self, token: Token | None = None) -> SoqlSyntaxError:
        token = token or self._peek
        shown = token.text if token.kind != "end" else "<end of query>"
        return SoqlSyntaxError(f"unexpected token: '{shown}'", token.pos)

    def _expect_word(self, *words: str) -> Token:
        if not self._peek.is_word(*words):
            raise self._fail()
        return self._next()

    def _expect_punct(self, char: str) -> None:
        if not (self._peek.kind == "punct" and self._peek.text == char):
            raise self._fail()
        self._next()

    def _name(self) -> Name:
        token = self._next()
        if token.kind != "name":
            raise self._fail(token)
        return Name(token.text, token.pos)

    def query(self) -> Query:
        query = self._body(nested=False)
        if self._peek.kind != "end":
            raise self._fail()
        return query

    def _body(self, *, nested: bool) -> Query:
        self._expect_word("SELECT")
        select, count_only = self._select_list(nested=nested)
        self._expect_word("FROM")
        sobject = self._name()
        where = None
        if self._peek.is_word("WHERE"):
            self._next()
            where = self._condition()
        order_by = self._order_by()
        limit = self._clause_integer("LIMIT")
        offset = self._clause_integer("OFFSET")
        return Query(select, count_only, sobject, where, order_by, limit, offset)

    def _select_list(self, *, nested: bool) -> tuple[tuple[Name | Query, ...], bool]:
        if self._peek.is_word("COUNT") and not nested:
            self._next()
            self._expect_punct("(")
            if self._peek.kind != "punct":
                raise SoqlSyntaxError(
                    "the sandbox supports COUNT() only, not COUNT(field) or other aggregates",
                    self._peek.pos,
                )
            self._expect_punct(")")
            return (), True
        items = [self._select_item(nested=nested)]
        while self._peek.kind == "punct" and self._peek.text == ",":
            self._next()
            items.append(self._select_item(nested=nested))
        return tuple(items), False

    def _select_item(self, *, nested: bool) -> Name | Query:
        if not (self._peek.kind == "punct" and self._peek.text == "("):
            return self._name()
        if nested:  # SOQL nests subqueries one level only
            raise self._fail()
        self._next()
        subquery = self._body(nested=True)
        self._expect_punct(")")
        return subquery

    def _condition(self) -> Condition:
        first = self._unary()
        if not self._peek.is_word("AND", "OR"):
            return first
        op = self._peek.text.upper()
        operands = [first]
        while self._peek.is_word("AND", "OR"):
            if self._peek.text.upper() != op:
                raise self._fail()  # SOQL needs parentheses to mix AND and OR
            self._next()
            operands.append(self._unary())
        return BoolOp(op, tuple(operands))

    def _unary(self) -> Condition:
        if self._peek.is_word("NOT"):
            self._next()
            return Not(self._unary())
        if self._peek.kind == "punct" and self._peek.text == "(":
            self._next()
            inner = self._condition()
            self._expect_punct(")")
            return inner
        return self._field_expression()

    def _field_expression(self) -> Condition:
        field = self._name()
        token = self._next()
        if token.kind == "op":
            return Comparison(field, token.text, self._literal())
        if token.is_word("LIKE"):
            pattern = self._literal()
            if pattern.kind != "string":
                raise self._fail(Token("x", pattern.text, pattern.pos))
            return Like(field, pattern)
        negated = token.is_word("NOT")
        if negated:
            token = self._next()
        if not token.is_word("IN"):
            raise self._fail(token)
        return InList(field, self._literal_list(), negated)

    def _literal_list(self) -> tuple[Literal, ...]:
        self._expect_punct("(")
        values = [self._literal()]
        while self._peek.kind == "punct" and self._peek.text == ",":
            self._next()
            values.append(self._literal())
        self._expect_punct(")")
        return tuple(values)

    def _literal(self) -> Literal:
        token = self._next()
        if token.kind in ("string", "date", "datetime"):
            return Literal(token.kind, token.text, token.pos, token.text)
        if token.kind == "relative" or token.is_word("TODAY", "YESTERDAY", "TOMORROW"):
            return Literal("relative", token.text.upper(), token.pos, token.text)
        if token.kind == "number":
            return Literal("number", Decimal(token.text), token.pos, token.text)
        if token.is_word("TRUE", "FALSE"):
            return Literal("boolean", token.text.upper() == "TRUE", token.pos, token.text)
        if token.is_word("NULL"):
            return Literal("null", None, token.pos, token.text)
        raise self._fail(token)

    def _order_by(self) -> tuple[OrderItem, ...]:
        if not self._peek.is_word("ORDER"):
            return ()
        self._next()
        self._expect_word("BY")
        items = [self._order_item()]
        while self._peek.kind == "punct" and self._peek.text == ",":
            self._next()
            items.append(self._order_item())
        return tuple(items)

    def _order_item(self) -> OrderItem:
        field = self._name()
        descending = False
        if self._peek.is_word("ASC", "DESC"):
            descending = self._next().text.upper() == "DESC"
        nulls_first = not descending  # SOQL's default: nulls first ascending, last descending
        if self._peek.is_word("NULLS"):
            self._next()
            nulls_first = self._expect_word("FIRST", "LAST").text.upper() == "FIRST"
        return OrderItem(field, descending, nulls_first)

    def _clause_integer(self, keyword: str) -> int | None:
        if not self._peek.is_word(keyword):
            return None
        self._next()
        token = self._next()
        if token.kind != "number" or not token.text.isdigit():
            raise self._fail(token)
        return int(token.text)
