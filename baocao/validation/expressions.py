"""A small, safe arithmetic language over indicator codes (never ``eval``).

Grammar (recursive descent; ``*`` ``/`` bind tighter than ``+`` ``-``; unary minus)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | "+" unary | primary
    primary := NUMBER | ref | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    ref     := CODE ("[" DISAGG "]")? ("." ("value" | "numerator" | "denominator"))?
    FUNC    := abs | min | max

``CODE`` is an indicator code (``TEL_SUBS_FIXED``); ``@`` stands for "each indicator" in generic
rules (``@.numerator <= @.denominator``). Numbers are written with a dot as the decimal mark
(``0.5``). Evaluation is exact (``Decimal``); a missing operand raises :class:`MissingValue` (the
rule is skipped), a division by zero raises :class:`ExpressionError` with a clear message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation
from functools import lru_cache
from typing import Any

FIELDS = ("value", "numerator", "denominator")
FUNCTIONS = ("abs", "min", "max")
EACH = "@"
_FIELD_VI = {"value": "giá trị", "numerator": "tử số", "denominator": "mẫu số"}
MAX_LENGTH = 1000

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*|@)
  | (?P<op>[-+*/(),.\[\]])
    """,
    re.VERBOSE,
)


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; ``position`` is a 0-based column or None."""

    def __init__(self, message: str, position: int | None = None, expression: str = "") -> None:
        where = f" (vị trí {position + 1})" if position is not None else ""
        super().__init__(f"{message}{where}")
        self.message = message
        self.position = position
        self.expression = expression


class MissingValue(LookupError):  # noqa: N818 - a signal, not a failure
    """An operand has no value: the rule is skipped (or the operand counts as 0, if the rule says so)."""

    def __init__(self, ref: Ref) -> None:
        super().__init__(str(ref))
        self.ref = ref


# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Num:
    value: Decimal

    def __str__(self) -> str:
        return format(self.value, "f")


@dataclass(frozen=True, slots=True)
class Ref:
    code: str  # an indicator code or "@"
    disagg: str = ""
    field: str = "value"

    def __str__(self) -> str:
        out = self.code + (f"[{self.disagg}]" if self.disagg else "")
        return out + ("" if self.field == "value" else f".{self.field}")

    def bind(self, code: str, disagg: str) -> Ref:
        """``@`` replaced by an actual indicator (and its disaggregation, unless the ref names one)."""
        if self.code != EACH:
            return self
        return Ref(code, self.disagg or disagg, self.field)

    def describe_vi(self) -> str:
        text = self.code + (f"[{self.disagg}]" if self.disagg else "")
        return text if self.field == "value" else f"{_FIELD_VI[self.field]} của {text}"


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Node

    def __str__(self) -> str:
        return f"-{self.operand}"


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str
    left: Node
    right: Node

    def __str__(self) -> str:
        return f"({self.left} {self.op} {self.right})"


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Node, ...]

    def __str__(self) -> str:
        return f"{self.func}({', '.join(map(str, self.args))})"


Node = Num | Ref | Unary | BinOp | Call


# --- tokenizer and parser ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[_Tok]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"Biểu thức quá dài (tối đa {MAX_LENGTH} ký tự)", None, text)
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ExpressionError(f"Ký tự không hợp lệ «{text[pos]}»", pos, text)
        if m.lastgroup != "ws":
            out.append(_Tok(m.lastgroup or "", m.group(), pos))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: _Tok | None = None) -> ExpressionError:
        tok = tok or self.peek()
        return ExpressionError(message, tok.pos, self.text)

    def expect(self, text: str) -> _Tok:
        tok = self.peek()
        if tok.text != text:
            found = f"«{tok.text}»" if tok.text else "hết biểu thức"
            raise self.error(f"Thiếu «{text}», gặp {found}", tok)
        return self.take()

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("Biểu thức trống")
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(f"Thừa «{tok.text}» sau biểu thức", tok)
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek().text in ("+", "-"):
            op = self.take().text
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek().text in ("*", "/"):
            op = self.take().text
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok.text in ("-", "+"):
            self.take()
            self.depth += 1
            if self.depth > 50:
                raise self.error("Biểu thức lồng nhau quá sâu")
            operand = self.unary()
            self.depth -= 1
            return Unary("-", operand) if tok.text == "-" else operand
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "number":
            self.take()
            return Num(Decimal(tok.text))
        if tok.text == "(":
            self.take()
            self.depth += 1
            if self.depth > 50:
                raise self.error("Biểu thức lồng nhau quá sâu")
            node = self.expr()
            self.depth -= 1
            self.expect(")")
            return node
        if tok.kind == "name":
            self.take()
            if self.peek().text == "(":
                return self.call(tok)
            return self.ref(tok)
        found = f"«{tok.text}»" if tok.text else "hết biểu thức"
        raise self.error(f"Cần một số, mã chỉ tiêu hoặc «(», gặp {found}", tok)

    def call(self, tok: _Tok) -> Node:
        name = tok.text.lower()
        if name not in FUNCTIONS:
            raise self.error(f"Hàm «{tok.text}» không được phép (chỉ dùng: {', '.join(FUNCTIONS)})", tok)
        self.expect("(")
        args = [self.expr()]
        while self.peek().text == ",":
            self.take()
            args.append(self.expr())
        self.expect(")")
        if name == "abs" and len(args) != 1:
            raise self.error("Hàm abs() nhận đúng một đối số", tok)
        if name in ("min", "max") and len(args) < 2:
            raise self.error(f"Hàm {name}() cần ít nhất hai đối số", tok)
        return Call(name, tuple(args))

    def ref(self, tok: _Tok) -> Node:
        code = tok.text
        if code != EACH and not re.fullmatch(r"[A-Z][A-Z0-9_]*", code):
            raise self.error(f"«{code}» không phải là mã chỉ tiêu (mã viết hoa, ví dụ TEL_SUBS_FIXED)", tok)
        disagg = ""
        if self.peek().text == "[":
            self.take()
            d = self.take()
            if d.kind != "name" or d.text == EACH:
                raise self.error("Cần mã phân tổ trong «[…]»", d)
            disagg = d.text
            self.expect("]")
        field = "value"
        if self.peek().text == ".":
            self.take()
            f = self.take()
            if f.text not in FIELDS:
                raise self.error(
                    f"Trường «{f.text}» không có; chỉ dùng .value, .numerator hoặc .denominator", f
                )
            field = f.text
        return Ref(code, disagg, field)


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse an expression into a tree; raises :class:`ExpressionError` with the column of the problem."""
    if not isinstance(text, str):
        raise ExpressionError("Biểu thức phải là chuỗi ký tự")
    return _Parser(text).parse()


def refs(node: Node) -> list[Ref]:
    """Every indicator reference in the tree, in reading order."""
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, Unary):
        return refs(node.operand)
    if isinstance(node, BinOp):
        return refs(node.left) + refs(node.right)
    if isinstance(node, Call):
        return [r for a in node.args for r in refs(a)]
    return []


# --- evaluation -------------------------------------------------------------------------------

Lookup = Callable[[Ref], Decimal | None]


def evaluate(node: Node, lookup: Lookup, *, missing_as_zero: bool = False) -> Decimal:
    """Evaluate ``node``; ``lookup(ref)`` returns the operand's number or None when it is missing."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        v = lookup(node)
        if v is None:
            if missing_as_zero:
                return Decimal(0)
            raise MissingValue(node)
        return v
    if isinstance(node, Unary):
        return -evaluate(node.operand, lookup, missing_as_zero=missing_as_zero)
    if isinstance(node, BinOp):
        a = evaluate(node.left, lookup, missing_as_zero=missing_as_zero)
        b = evaluate(node.right, lookup, missing_as_zero=missing_as_zero)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if b == 0:
            raise ExpressionError(f"Chia cho 0: {node.right} bằng 0")
        try:
            return a / b
        except (DivisionByZero, InvalidOperation) as exc:  # pragma: no cover - guarded above
            raise ExpressionError(f"Không chia được {node.left} cho {node.right}") from exc
    if isinstance(node, Call):
        args = [evaluate(a, lookup, missing_as_zero=missing_as_zero) for a in node.args]
        if node.func == "abs":
            return abs(args[0])
        return min(args) if node.func == "min" else max(args)
    raise ExpressionError(f"Nút không hợp lệ: {node!r}")  # pragma: no cover


def evaluate_text(text: str, values: dict[Any, Any]) -> Decimal:
    """Convenience for tests and the admin: ``values`` maps ``"CODE"``, ``"CODE[d]"``, ``"CODE.numerator"``."""

    def lookup(ref: Ref) -> Decimal | None:
        v = values.get(str(ref))
        return None if v is None else Decimal(str(v))

    return evaluate(parse(text), lookup)
