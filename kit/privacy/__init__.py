"""Personal data out of free text before it leaves the service that received it.

`Redactor.redact` masks person names, document numbers, contacts, flats and birth dates
in a citizen's text or a staff member's note; what routing needs (streets, settlements,
objects) stays. It holds a dictionary and an NER model, so a process shares one
(`redactor()`, loaded by each service's bootstrap before it serves). `FreeText` is the
type of a staff door's free-text field: what it says of people is masked as it is read.
"""

from __future__ import annotations

import functools
from typing import Annotated

from pydantic import AfterValidator, Field

from kit.privacy.documents import mask_documents
from kit.privacy.names import NameFinder

PERSON = "[ФИО]"


class Redactor:
    def __init__(self, names: NameFinder | None = None):
        self.names = names or NameFinder()

    def redact(self, text: str) -> str:
        masked = mask_documents(text)
        spans = self.names.spans(masked)
        for start, end in reversed(spans):
            masked = masked[:start] + PERSON + masked[end:]
        return masked


@functools.cache
def redactor() -> Redactor:
    """The process's one Redactor (its models are loaded once)."""
    return Redactor()


def mask_personal_data(text: str) -> str:
    return redactor().redact(text)


def FreeText(max_length: int = 2000) -> type[str]:  # noqa: N802 - reads as a type
    """A staff door's free-text field: bounded, then masked as it is read."""
    return Annotated[str, Field(min_length=1, max_length=max_length),
                     AfterValidator(mask_personal_data)]
