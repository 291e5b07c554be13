"""smtp.ca_file read into a TLS context, and what is wrong with it said in one set of words:
by the config check (:class:`digest.checks.CaFile`) when config.yaml is read, and by each SMTP
connection (:func:`digest.deliver.certificates.tls_context`), which reads the file again."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a command that opens no connection loads no ssl (nor socket, OpenSSL)
    import ssl


def load_ca_file(context: ssl.SSLContext, path: Path) -> str:
    """Trust the certificates (PEM) of ``path`` in ``context``: '' once done, else what is wrong
    with the file, after its path ("is not there", "is not a file", "holds no certificate (PEM)",
    "cannot be read: Permission denied")."""
    import ssl

    try:  # a folder on its way that this account may not search: exists() raises, as the load
        if not path.exists():
            return "is not there"
        if not path.is_file():
            return "is not a file"
        context.load_verify_locations(cafile=path)
    except ssl.SSLError:
        return "holds no certificate (PEM)"
    except OSError as e:
        return f"cannot be read: {e.strerror}"
    return ""
