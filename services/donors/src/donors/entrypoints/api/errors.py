"""The problem documents the donors routes declare in the OpenAPI. Refusals themselves are
rendered by the one handler the app factory installs (`megp_common.errors`)."""

from __future__ import annotations

from megp_common.errors import problem_responses

READ = problem_responses((401, 403, 404, 409, 422))
WRITE = problem_responses((401, 403, 404, 409, 422, 428))
