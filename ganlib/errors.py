"""The errors a run reports as one line (``ganlib.cli``). They live apart from the code that
raises them so that the command line can catch them without importing torch."""


class DataError(ValueError):
    """A dataset is missing, empty or malformed; the message says which and what to do."""


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; training stopped before writing a bad checkpoint."""


class CheckpointMismatch(ValueError):
    """A checkpoint was written by a run with another configuration."""


class NotebookFailed(RuntimeError):
    """A lab's notebook raised; the message names the cell's error."""
