"""The one error an analyzer raises: the job ends FAILED with this message as its StatusMessage."""


class AnalysisFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self):  # crosses the process boundary intact
        return (AnalysisFailed, (self.message,))
