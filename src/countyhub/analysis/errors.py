"""Errors that carry a message fit for the person who gave the input."""


class AnalysisError(ValueError):
    """The specification or the data cannot be estimated; the message says what and where."""


class DataError(AnalysisError):
    """A data file or table is unusable; the message names the file, column and row."""
