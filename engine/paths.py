"""Where the app keeps what it saves: LAB_DATA_DIR, else ~/.concurrency-lab.

Standard library only. Creating the folder is the caller's choice (`ensure=True`).
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "LAB_DATA_DIR"


def data_dir(ensure: bool = False) -> Path:
    """The folder for the results database and the host calibration."""
    configured = os.environ.get(DATA_DIR_ENV)
    folder = Path(configured).expanduser() if configured else Path.home() / ".concurrency-lab"
    if ensure:
        folder.mkdir(parents=True, exist_ok=True)
    return folder
