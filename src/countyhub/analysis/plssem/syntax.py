"""lavaan-style model syntax for PLS path models, as cSEM and semopy read it.

```
# measurement
ECOM   =~ ecom1 + ecom2 + ecom3     # reflective measurement, estimated in mode A
SERV   <~ serv1 + serv2 + serv3     # composite / formative, mode B
SHOP   =~ ECOM + SERV               # higher-order (all right-hand names are constructs; two-stage)
# structural
INCOME ~ ECOM + SERV
INCOME ~ ECOM:SERV                  # moderation: SERV moderates ECOM -> INCOME (two-stage)
```

Comments start with ``#``; statements end at a line break unless the line ends with ``+`` (or the
next line starts with ``+``); ``;`` separates statements on one line. Every error names the line and
column it found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from countyhub.analysis.errors import AnalysisError

_NAME = re.compile(
    r"[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*(?::[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*)?"
)  # "A:B" is an interaction term (a predictor in a structural statement only)
_OPERATORS = ("=~", "<~", "~~", "~")


class ModelSyntaxError(AnalysisError):
    """The model text cannot be read; the message names the line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"model line {line}, column {column}: {message}")
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Token:
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class MeasurementSpec:
    """One construct and its indicators; mode "A" (``=~``) or "B" (``<~``)."""

    construct: str
    mode: str
    indicators: tuple[str, ...]
    line: int
    indicator_positions: tuple[tuple[int, int], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class PathSpec:
    source: str
    target: str
    line: int
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ModelSpec:
    """A parsed (not yet validated against data) PLS path model."""

    measurement: tuple[MeasurementSpec, ...]
    paths: tuple[PathSpec, ...]
    text: str = field(default="", compare=False)


def _strip_comment(line: str) -> str:
    position = line.find("#")
    return line if position < 0 else line[:position]


def _logical_statements(text: str) -> list[list[Token]]:
    """Split the text into statements of tokens, joining lines continued by ``+``."""
    statements: list[list[Token]] = []
    current: list[Token] = []
    for line_number, raw in enumerate(text.splitlines(), start=1):
        pieces: list[list[Token]] = [[]]
        for token in _tokenize(_strip_comment(raw), line_number):
            if token.text == ";":
                pieces.append([])
            else:
                pieces[-1].append(token)
        for index, piece in enumerate(pieces):
            if index > 0 and current:  # ';' ends the statement before it
                statements.append(current)
                current = []
            if not piece:
                continue
            continued = bool(current) and (current[-1].text == "+" or piece[0].text == "+")
            if current and not continued:
                statements.append(current)
                current = []
            current.extend(piece)
    if current:
        statements.append(current)
    return statements


def _tokenize(line: str, line_number: int) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(line):
        char = line[position]
        if char.isspace():
            position += 1
            continue
        column = position + 1
        operator = next((op for op in _OPERATORS if line.startswith(op, position)), None)
        if operator:
            tokens.append(Token(operator, line_number, column))
            position += len(operator)
            continue
        if char in "+;":
            tokens.append(Token(char, line_number, column))
            position += 1
            continue
        match = _NAME.match(line, position)
        if not match:
            raise ModelSyntaxError(f"unexpected character {char!r}", line_number, column)
        tokens.append(Token(match.group(), line_number, column))
        position = match.end()
    return tokens


def _is_name(token: Token) -> bool:
    return _NAME.fullmatch(token.text) is not None


def _parse_terms(tokens: list[Token], after: Token) -> list[Token]:
    """Parse ``name + name + ...``; ``after`` is the operator (for positions in messages)."""
    if not tokens:
        raise ModelSyntaxError(
            f"nothing after {after.text!r}: expected a name",
            after.line,
            after.column + len(after.text),
        )
    terms: list[Token] = []
    expect_name = True
    for token in tokens:
        if expect_name:
            if token.text == "+":
                raise ModelSyntaxError("expected a name, found '+'", token.line, token.column)
            if not _is_name(token):
                raise ModelSyntaxError(
                    f"expected a name, found {token.text!r}", token.line, token.column
                )
            terms.append(token)
        elif token.text != "+":
            raise ModelSyntaxError(
                f"expected '+' between names, found {token.text!r}", token.line, token.column
            )
        expect_name = not expect_name
    if expect_name:
        last = tokens[-1]
        raise ModelSyntaxError(
            "the model ends after '+': a name is missing", last.line, last.column
        )
    return terms


def parse_model(text: str) -> ModelSpec:
    """Parse lavaan-style PLS model text into a :class:`ModelSpec`.

    Raises
    ------
    ModelSyntaxError
        With the line and column of the first problem.
    """
    measurement: dict[str, MeasurementSpec] = {}
    paths: list[PathSpec] = []
    seen_paths: dict[tuple[str, str], int] = {}
    for statement in _logical_statements(text):
        lhs = statement[0]
        if lhs.text == "+":
            raise ModelSyntaxError("a statement cannot start with '+'", lhs.line, lhs.column)
        if not _is_name(lhs):
            raise ModelSyntaxError(
                f"expected a construct name, found {lhs.text!r}", lhs.line, lhs.column
            )
        if len(statement) < 2 or statement[1].text not in _OPERATORS:
            where = statement[1] if len(statement) > 1 else lhs
            column = where.column if len(statement) > 1 else lhs.column + len(lhs.text)
            raise ModelSyntaxError(
                f"expected '=~', '<~' or '~' after {lhs.text!r}", where.line, column
            )
        operator = statement[1]
        terms = _parse_terms(statement[2:], operator)
        if operator.text == "~~":
            raise ModelSyntaxError(
                "'~~' (a covariance) is not part of a PLS path model",
                operator.line,
                operator.column,
            )
        if ":" in lhs.text:
            raise ModelSyntaxError(
                f"{lhs.text!r} is an interaction: it can only be a predictor, as in "
                f"'Y ~ {lhs.text.split(':')[0]} + {lhs.text.split(':')[1]} + {lhs.text}'",
                lhs.line,
                lhs.column,
            )
        if operator.text in ("=~", "<~"):
            if lhs.text in measurement:
                first = measurement[lhs.text]
                raise ModelSyntaxError(
                    f"construct {lhs.text!r} is already measured on line {first.line}",
                    lhs.line,
                    lhs.column,
                )
            names = [t.text for t in terms]
            duplicate = next((t for i, t in enumerate(terms) if t.text in names[:i]), None)
            if duplicate:
                raise ModelSyntaxError(
                    f"indicator {duplicate.text!r} is listed twice for {lhs.text!r}",
                    duplicate.line,
                    duplicate.column,
                )
            measurement[lhs.text] = MeasurementSpec(
                construct=lhs.text,
                mode="A" if operator.text == "=~" else "B",
                indicators=tuple(names),
                line=lhs.line,
                indicator_positions=tuple((t.line, t.column) for t in terms),
            )
            continue
        for term in terms:
            key = (term.text, lhs.text)
            if key in seen_paths:
                raise ModelSyntaxError(
                    f"path {term.text} -> {lhs.text} is already given on line {seen_paths[key]}",
                    term.line,
                    term.column,
                )
            seen_paths[key] = term.line
            paths.append(PathSpec(term.text, lhs.text, term.line, term.column))
    if not measurement:
        raise ModelSyntaxError("no measurement model: write 'CONSTRUCT =~ item1 + item2'", 1, 1)
    return ModelSpec(tuple(measurement.values()), tuple(paths), text)
