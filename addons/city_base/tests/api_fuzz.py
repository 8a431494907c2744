# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Schemathesis runs of the suite's JSON APIs, shared by the modules' API tests (not a test itself).

:func:`fuzz` runs schemathesis' generated cases of one operation in one mode,
bounded and derandomised for CI, checks every answer against the document and
counts the answers by ``(operation label, mode, status)``.
"""

from hypothesis import HealthCheck, Phase, given, settings


def fuzz(operation, mode, counts, base_url, headers, max_examples=40, prepare=None, check=None):
    """Call ``operation`` with its generated cases of ``mode`` (a ``schemathesis.GenerationMode``).

    :param dict headers: sent with every case (the credentials)
    :param prepare: ``prepare(case, headers)`` may add headers of its own (e.g. an idempotency key)
    :param check: ``check(case, response)`` asserts more on each answer
    """

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case_headers = dict(headers)
        if prepare:
            prepare(case, case_headers)
        response = case.call(base_url=base_url, headers=case_headers, timeout=60)
        counts[operation.label, mode.value, response.status_code] += 1
        case.validate_response(response, headers=case_headers, transport_kwargs={"base_url": base_url})
        if check:
            check(case, response)

    run()
