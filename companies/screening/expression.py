"""The screener's expression language: parsing a screen into a tree, and evaluating it over one
company's figures. Pure: no I/O, no Django.

    market_cap > 1b and roe > 15% and debt_to_equity < 0.5
    industry_group in ("Banks", "Insurance") and not pe > 20
    listing_date >= 2020-01-01 or (revenue_growth > 20% and net_margin > 0)

A comparison is `metric op value`, op one of > >= < <= = != (`==` is `=`); a text metric takes
=, != and `in ("A", "B")` (also `not in`), compared without regard to case; a date metric an
ISO date, bare or quoted. Numbers may end in k, m, b or t (thousand, million, billion,
trillion) or % (a fraction: 15% is 0.15). `and` binds tighter than `or`, `not` tighter than
both; parentheses group. Keywords and metric names are case-insensitive.

Missing figures follow SQL's three-valued logic: a comparison on a missing figure is unknown
(None), `not unknown` is unknown, `false and unknown` is false, `true or unknown` is true, and a
company matches only where the whole expression is true. So `not pe < 10` never lists a company
without a P/E.

A hand-written recursive-descent parser: the grammar is a dozen lines, and owning it lets every
mistake say where it is and what was expected ("at 23: expected a number after '>'"), which a
parser generator's errors do not.
"""

import datetime
import difflib
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from companies.screening.metrics import METRICS, Metric, Unit

MAX_LENGTH = 500  # characters of an expression
MAX_DEPTH = 32  # parentheses nested in one another
METRICS_URL = "/api/metrics/"

SUFFIXES = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12, "%": Decimal("0.01")}
ORDERING = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
EQUALITY = {"=": operator.eq, "!=": operator.ne}
OPERATORS = {**ORDERING, **EQUALITY}
SPELLINGS = {"==": "=", "<>": "!="}
KEYWORDS = ("and", "or", "not", "in")
OPERATOR_LIST = ">, >=, <, <=, =, !="

_TOKENS = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w.%])
  | (?P<number>[-+\u2212]?(?:\d+(?:\.\d*)?|\.\d+)[\w%.]*)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<op>>=|<=|!=|<>|==|>|<|=)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<string>"[^"]*"|'[^']*'|\u201c[^\u201d]*\u201d|\u2018[^\u2019]*\u2019)
  | (?P<quote>["'\u201c\u2018])
    """,
    re.VERBOSE,
)
_NUMBER = re.compile(r"([-+\u2212]?)(\d+(?:\.\d*)?|\.\d+)([kmbt%]?)", re.IGNORECASE)


class ExpressionError(ValueError):
    """A mistake in an expression: `position` is the 1-based character where it is (None for
    one about the whole expression), `reason` what was expected there."""

    def __init__(self, position: int | None, reason: str):
        self.position = position
        self.reason = reason
        super().__init__(f"at {position}: {reason}" if position else reason)


@dataclass(frozen=True)
class Token:
    kind: str  # date, number, name, op, lparen, rparen, comma, string, end
    text: str
    position: int  # 1-based
    value: object = None  # a number's Decimal, a string's text, a date's ISO text

    def is_keyword(self, word: str) -> bool:
        return self.kind == "name" and self.text.lower() == word

    def shown(self) -> str:
        return "the end of the expression" if self.kind == "end" else f"'{self.text}'"


def tokens(text: str) -> list[Token]:
    """The expression's tokens, ending with an "end" token. Raises ExpressionError for a
    character that starts no token, a malformed number or date, or an unclosed quote."""
    found, at = [], 0
    while at < len(text):
        match = _TOKENS.match(text, at)
        if match is None:
            raise ExpressionError(at + 1, f"unexpected character '{text[at]}'")
        kind, piece = match.lastgroup, match.group()
        position = at + 1
        at = match.end()
        if kind == "space":
            continue
        if kind == "quote":
            raise ExpressionError(position, "this quoted text has no closing quote")
        value = None
        if kind == "number":
            value = _number(piece, position)
        elif kind == "date":
            value = _date(piece, position)
        elif kind == "string":
            value = piece[1:-1]
        found.append(Token(kind, piece, position, value))
    found.append(Token("end", "", len(text) + 1))
    return found


def _number(text: str, position: int) -> Decimal:
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise ExpressionError(
            position, f"'{text}' is not a number: write digits, with k, m, b, t or % after them"
        )
    sign, digits, suffix = match.groups()
    value = Decimal(digits) * SUFFIXES[suffix.lower()]
    return -value if sign in ("-", "\u2212") else value


def _date(text: str, position: int) -> str:
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        reason = f"'{text}' is not a date (write it as 2020-01-31)"
        raise ExpressionError(position, reason) from None


# --- the tree ------------------------------------------------------------------------------------


class Node:
    def evaluate(self, values: Mapping) -> bool | None:
        """True, False, or None for unknown (a missing figure decided it)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Comparison(Node):
    metric: Metric
    op: str  # one of OPERATORS
    value: object  # float for a number, casefolded str for text, ISO str for a date
    literal: str  # the value as the canonical text shows it

    def evaluate(self, values):
        found = values.get(self.metric.name)
        if found is None:
            return None
        if self.metric.unit is Unit.TEXT:
            found = found.casefold()
        return OPERATORS[self.op](found, self.value)

    def __str__(self):
        return f"{self.metric.name} {self.op} {self.literal}"


@dataclass(frozen=True)
class Membership(Node):
    metric: Metric
    values: frozenset
    literals: tuple[str, ...]
    negated: bool = False

    def evaluate(self, values):
        found = values.get(self.metric.name)
        if found is None:
            return None
        if self.metric.unit is Unit.TEXT:
            found = found.casefold()
        return (found in self.values) != self.negated

    def __str__(self):
        word = "not in" if self.negated else "in"
        return f"{self.metric.name} {word} ({', '.join(self.literals)})"


@dataclass(frozen=True)
class Not(Node):
    part: Node

    def evaluate(self, values):
        result = self.part.evaluate(values)
        return None if result is None else not result

    def __str__(self):
        return f"not {_grouped(self.part)}"


@dataclass(frozen=True)
class And(Node):
    parts: tuple[Node, ...]

    def evaluate(self, values):
        unknown = False
        for part in self.parts:
            result = part.evaluate(values)
            if result is False:
                return False
            unknown = unknown or result is None
        return None if unknown else True

    def __str__(self):
        return " and ".join(_grouped(part) for part in self.parts)


@dataclass(frozen=True)
class Or(Node):
    parts: tuple[Node, ...]

    def evaluate(self, values):
        unknown = False
        for part in self.parts:
            result = part.evaluate(values)
            if result is True:
                return True
            unknown = unknown or result is None
        return None if unknown else False

    def __str__(self):
        return " or ".join(_grouped(part, inside_or=True) for part in self.parts)


def _grouped(node: Node, *, inside_or: bool = False) -> str:
    """`node` as text, in parentheses where precedence needs them."""
    if isinstance(node, Or) or (isinstance(node, And) and not inside_or):
        return f"({node})"
    return str(node)


@dataclass(frozen=True)
class Expression:
    """A parsed screen: `text` as given, `canonical` the same screen in one spelling (numbers
    written out, keywords in lower case, parentheses only where needed), `metrics` the metric
    names it uses in the order they first appear."""

    text: str
    root: Node
    metrics: tuple[str, ...] = field(default=())

    @property
    def canonical(self) -> str:
        return str(self.root)

    def evaluate(self, values: Mapping) -> bool | None:
        return self.root.evaluate(values)

    def matches(self, values: Mapping) -> bool:
        """Whether the whole expression is true for `values` ({metric name: value or None})."""
        return self.root.evaluate(values) is True


# --- the parser ----------------------------------------------------------------------------------


def parse(text: str) -> Expression | None:
    """The expression `text`, or None when it is blank. Raises ExpressionError for a mistake,
    with where it is and what was expected."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            None, f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are read"
        )
    found = tokens(text)
    if found[0].kind == "end":
        return None
    parser = _Parser(found)
    root = parser.expression()
    parser.finish()
    return Expression(text=text, root=root, metrics=tuple(dict.fromkeys(parser.used)))


class _Parser:
    """expression := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation    := "not"* primary
    primary     := "(" expression ")" | metric op value | metric ["not"] "in" "(" values ")"
    """

    def __init__(self, found: list[Token]):
        self.tokens = found
        self.at = 0
        self.depth = 0
        self.opened: list[Token] = []
        self.used: list[str] = []

    def peek(self) -> Token:
        return self.tokens[self.at]

    def previous(self) -> Token | None:
        return self.tokens[self.at - 1] if self.at else None

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def finish(self) -> None:
        token = self.peek()
        if token.kind == "end":
            return
        if token.kind == "rparen":
            raise ExpressionError(token.position, "')' has no '(' to close")
        raise ExpressionError(
            token.position,
            f"expected 'and', 'or' or the end of the expression, not {token.shown()}",
        )

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self.peek().is_keyword("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.negation()]
        while self.peek().is_keyword("and"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def negation(self) -> Node:
        negations = 0
        while self.peek().is_keyword("not"):
            self.take()
            negations += 1
        node = self.primary()
        return Not(node) if negations % 2 else node

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "lparen":
            self.take()
            if self.depth >= MAX_DEPTH:
                raise ExpressionError(
                    token.position, f"parentheses are nested more than {MAX_DEPTH} deep"
                )
            self.depth += 1
            self.opened.append(token)
            node = self.expression()
            closing = self.peek()
            if closing.kind != "rparen":
                if closing.kind == "end":
                    reason = f"expected ')' to close the '(' at {token.position}"
                else:
                    reason = (
                        f"expected 'and', 'or' or ')' to close the '(' at {token.position}, "
                        f"not {closing.shown()}"
                    )
                raise ExpressionError(closing.position, reason)
            self.take()
            self.opened.pop()
            self.depth -= 1
            return node
        if token.kind != "name" or token.text.lower() in KEYWORDS:
            before = self.previous()
            after = f" after '{before.text}'" if before is not None else ""
            if token.kind == "rparen" and not self.opened:
                raise ExpressionError(token.position, "')' has no '(' to close")
            raise ExpressionError(
                token.position,
                f"expected a metric name{after}, not {token.shown()}"
                if token.kind != "end"
                else f"expected a comparison such as pe < 15{after}",
            )
        self.take()
        metric = self.metric(token)
        self.used.append(metric.name)
        op = self.peek()
        negated = False
        if op.is_keyword("not") and self.tokens[self.at + 1].is_keyword("in"):
            self.take()
            negated = True
            op = self.peek()
        if op.is_keyword("in"):
            self.take()
            return self.membership(metric, negated=negated)
        if op.kind != "op":
            raise ExpressionError(
                op.position,
                f"expected an operator ({OPERATOR_LIST}) or 'in' after '{token.text}', "
                f"not {op.shown()}",
            )
        self.take()
        spelled = SPELLINGS.get(op.text, op.text)
        if metric.unit is Unit.TEXT and spelled in ORDERING:
            raise ExpressionError(
                op.position,
                f"'{metric.name}' is text: compare it with =, != or in, not '{op.text}'",
            )
        value, literal = self.value(metric, after=op.text)
        return Comparison(metric, spelled, value, literal)

    def metric(self, token: Token) -> Metric:
        name = token.text.lower()
        metric = METRICS.get(name)
        if metric is not None:
            return metric
        near = difflib.get_close_matches(name, list(METRICS), n=1, cutoff=0.6)
        hint = f"; did you mean '{near[0]}'? See {METRICS_URL}" if near else f"; see {METRICS_URL}"
        raise ExpressionError(token.position, f"unknown metric '{token.text}'{hint}")

    def value(self, metric: Metric, *, after: str) -> tuple[object, str]:
        token = self.peek()
        where = f"after '{after}'" if after != "," else "in the list"
        if metric.unit is Unit.TEXT:
            if token.kind != "string":
                if token.kind == "name":
                    reason = f'expected a quoted text {where}: write "{token.text}"'
                else:
                    reason = f"expected a quoted text {where}, not {token.shown()}"
                raise ExpressionError(token.position, reason)
            self.take()
            return token.value.casefold(), _quoted(token.value)
        if metric.unit is Unit.DATE:
            day = token.value if token.kind == "date" else None
            if token.kind == "string":
                try:
                    day = datetime.date.fromisoformat(token.value.strip()).isoformat()
                except ValueError:
                    day = None
            if day is None:
                raise ExpressionError(
                    token.position,
                    f"expected a date such as 2020-01-31 {where}, not {token.shown()}",
                )
            self.take()
            return day, day
        if token.kind != "number":
            raise ExpressionError(token.position, f"expected a number {where}")
        self.take()
        number = token.value
        try:
            literal = format(number.normalize(), "f")
        except InvalidOperation:
            literal = str(number)
        return float(number), literal

    def membership(self, metric: Metric, *, negated: bool) -> Membership:
        opening = self.peek()
        if opening.kind != "lparen":
            raise ExpressionError(
                opening.position,
                f"expected '(' and a list of values after 'in', not {opening.shown()}",
            )
        self.take()
        values, literals = [], []
        while True:
            value, literal = self.value(metric, after="," if values else "(")
            values.append(value)
            literals.append(literal)
            separator = self.take()
            if separator.kind == "rparen":
                return Membership(metric, frozenset(values), tuple(literals), negated)
            if separator.kind == "end":
                raise ExpressionError(
                    separator.position,
                    f"expected ')' to close the list opened at {opening.position}",
                )
            if separator.kind != "comma":
                raise ExpressionError(
                    separator.position,
                    f"expected ',' or ')' in the list, not {separator.shown()}",
                )


def _quoted(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"
