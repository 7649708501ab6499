"""Named errors. Raised by the core with ``from e``; turned into messages at the edge (CLI, dialogs)."""


class AnnotatorError(Exception):
    """Base of every error this tool raises on purpose; its text is the user's message."""


class StoreError(AnnotatorError):
    """The project database cannot be opened or used as asked."""


class NotAProjectError(StoreError):
    """The file is not an annotator project (not SQLite, or another application's)."""


class NewerSchemaError(StoreError):
    """The project was written by a newer version of this tool."""


class InvalidSpanError(AnnotatorError):
    """Offsets or label of a span break the rules (inside the text, start < end, known label)."""


class OverlapError(InvalidSpanError):
    """Two spans of a layer that forbids overlap would overlap."""


class SchemaError(AnnotatorError):
    """The label schema (TOML) is malformed or names something unknown."""


class InputFileError(AnnotatorError):
    """An input file cannot be read at all (encoding, size, format)."""


class ModelError(AnnotatorError):
    """A spaCy pipeline cannot be loaded."""


class Cancelled(AnnotatorError):
    """The person stopped a long action before its end; nothing of it was kept."""


class RefusedByServer(StoreError):
    """The project's server refused a write this person's role does not allow (another's span,
    gold without being a reviewer, the schema without being its admin)."""


class ConnectionLost(StoreError):
    """The project's server cannot be reached (down, restarting, the network): nothing of the
    action under way was kept, and the connection is tried again on the next one."""
