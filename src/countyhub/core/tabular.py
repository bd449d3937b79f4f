"""Spreadsheets from users, read so that no file can take a worker down or be misread.

What Chinese users' spreadsheets really are: CSV in UTF-8 (with or without BOM), GB18030 (what
Excel and WPS write on a Chinese Windows), sometimes UTF-16 (Excel's "Unicode text"), or XLSX.
The encoding is detected, not guessed: a byte-order mark decides; else the bytes must be valid
UTF-8, or else valid GB18030; text with control characters is binary and refused.

Caps are checked while reading, before anything grows: rows, columns and characters per cell; an
XLSX must be a zip whose members do not expand beyond a size and a ratio (a zip bomb), and its
declared sheet size is not trusted (a 1.6 KB file may declare A1:XFD2000).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

MAX_ROWS = 10_000
MAX_COLUMNS = 50
MAX_CELL_CHARS = 10_000
MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_XLSX_RATIO = 100
# Bytes decoded at a time when checking a file's encoding: their text is the memory the check
# needs, whatever the file's size.
DECODE_PIECE = 1 << 16

CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class TableError(Exception):
    """What is wrong and where: row and column count from 1; 0 means the file as a whole."""

    row: int
    column: int
    message: str


@dataclass(frozen=True)
class Limits:
    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS
    cell_chars: int = MAX_CELL_CHARS


def read_table(upload: IO[bytes], filename: str, limits: Limits | None = None) -> list[list[str]]:
    """The rows of a .csv or .xlsx as lists of stripped strings (header included)."""
    return list(iter_table(io.BytesIO(upload.read()), filename, limits))


def iter_table(
    upload: IO[bytes], filename: str, limits: Limits | None = None
) -> Iterator[list[str]]:
    """The rows of `upload` (a seekable binary file, read from where it stands) one at a time,
    with the same checks as read_table: a large file is read in one pass without its bytes or
    its rows held in memory. The file's name is checked at once, everything else as the rows
    come; the file is left open."""
    limits = limits or Limits()
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(upload, limits)
    if name.endswith(".csv"):
        return _read_csv(upload, limits)
    raise TableError(0, 0, _("Upload a .csv or .xlsx file."))


def detect_encoding(upload: IO[bytes]) -> str:
    """The encoding of `upload` from where it stands (see the module's rule), checked piece by
    piece so that the text is never held whole; the file is put back where it stood.
    TableError if it is no text we know."""
    start = upload.tell()
    try:
        head = upload.read(len(codecs.BOM_UTF8))
        for bom, encoding in BOMS:
            if head.startswith(bom):
                if not _decodes(upload, start, encoding):
                    raise TableError(0, 0, _("The file is not valid %(enc)s.") % {"enc": encoding})
                return encoding
        for encoding in ("utf-8", "gb18030"):
            try:
                decoder = codecs.getincrementaldecoder(encoding)()
                binary = False
                for piece in _pieces(upload, start):
                    text = decoder.decode(piece)
                    if CONTROL & set(text):
                        binary = True
                        break
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            if binary:
                break
            return encoding
    finally:
        upload.seek(start)
    raise TableError(
        0,
        0,
        _("This is not a text CSV file: save it as CSV in UTF-8 or GB18030, or as .xlsx."),
    )


def _pieces(upload: IO[bytes], start: int) -> Iterator[bytes]:
    """The bytes of `upload` from `start` on, DECODE_PIECE at a time."""
    upload.seek(start)
    while piece := upload.read(DECODE_PIECE):
        yield piece


def _decodes(upload: IO[bytes], start: int, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for piece in _pieces(upload, start):
            decoder.decode(piece)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_csv(upload: IO[bytes], limits: Limits) -> Iterator[list[str]]:
    encoding = detect_encoding(upload)
    text = io.TextIOWrapper(upload, encoding=encoding, newline="")
    reader = csv.reader(text)
    count = 0
    try:
        for row in reader:
            _check_row(row, reader.line_num, count, limits)
            count += 1
            yield [cell.strip() for cell in row]
    except csv.Error as error:
        raise TableError(
            reader.line_num, 0, _("Not readable as CSV: %(e)s") % {"e": error}
        ) from error
    finally:
        # A dropped wrapper closes its file: the caller's file stays the caller's (unless the
        # caller closed it already, before dropping an unfinished reading).
        if not text.closed:
            text.detach()


def _check_row(row: list[str], number: int, rows_so_far: int, limits: Limits) -> None:
    if rows_so_far >= limits.rows + 1:
        raise TableError(number, 0, _("More than %(n)d rows: split the file.") % {"n": limits.rows})
    filled = len(row)
    while filled and not str(row[filled - 1]).strip():
        filled -= 1
    if filled > limits.columns:
        raise TableError(number, filled, _("More than %(n)d columns.") % {"n": limits.columns})
    for column, cell in enumerate(row, start=1):
        if len(cell) > limits.cell_chars:
            raise TableError(
                number,
                column,
                _("A cell longer than %(n)d characters.") % {"n": limits.cell_chars},
            )


def _read_xlsx(upload: IO[bytes], limits: Limits) -> Iterator[list[str]]:
    start = upload.tell()
    if not zipfile.is_zipfile(upload):
        raise TableError(0, 0, _("This .xlsx file is damaged or not an Excel file."))
    upload.seek(start)
    with zipfile.ZipFile(upload) as archive:
        members = archive.infolist()
    expanded = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    if expanded > MAX_XLSX_UNCOMPRESSED or expanded / packed > MAX_XLSX_RATIO:
        raise TableError(0, 0, _("This .xlsx file expands too much to be read safely."))
    from openpyxl import load_workbook

    upload.seek(start)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as error:
        raise TableError(0, 0, _("This .xlsx file is damaged or not an Excel file.")) from error
    sheet = workbook.worksheets[0]
    # The sheet's declared size is the writer's claim; count what is really there.
    sheet.reset_dimensions()
    try:
        for number, values in enumerate(
            sheet.iter_rows(max_col=limits.columns + 1, values_only=True), start=1
        ):
            row = ["" if value is None else str(value) for value in values]
            _check_row(row, number, number - 1, limits)
            yield [cell.strip() for cell in row]
    finally:
        workbook.close()
