"""Field types shared by the request and response schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from megp_common.schemas import RequestModel

StateCode = Annotated[
    str,
    StringConstraints(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$"),
    Field(description="INEGI code of the federal entity, '01'..'32'", examples=["20"]),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=500),
    Field(description="The business reason, in a few words"),
]


#: Requests refuse unknown fields, so a typo (or a field that may not change) is a 422.
Request = RequestModel
