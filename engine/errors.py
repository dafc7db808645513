"""The one error type for bad input, shared by the CLI and the app.

Standard library only: the benchmark worker raises it too.
"""


class InputError(ValueError):
    """Input that does not fit: the message names the field and what is accepted.

    The CLI prints it as one line and exits 2; a page shows it with st.error.
    """

    def __init__(self, field: str, problem: str, accepted: str) -> None:
        self.field = field
        self.problem = problem
        self.accepted = accepted
        super().__init__(f"{field}: {problem}; accepted: {accepted}")
