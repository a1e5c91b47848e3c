"""Finding collaborators (``client.people``): people whose work overlaps with yours, and
people who could help with a task or a dataset, each with the reasons in words."""

from __future__ import annotations

from urllib.parse import quote

from mlhive.client._http import HttpCore
from mlhive.wire.suggestions import Suggestion


class PeopleAPI:
    """``client.people``: suggested collaborators and helpers, over what you may see.

    Example:
        >>> for s in client.people.suggested("alice"):  # doctest: +SKIP
        ...     print(s.name, s.score, [r.text for r in s.reasons])
        >>> client.people.helpers(task=31)[0].reasons[0].text  # doctest: +SKIP
        'best predictive_accuracy 0.9312 on this task (1st of 14 people)'
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def suggested(self, name: str, limit: int = 10) -> list[Suggestion]:
        """Accounts whose work overlaps with ``name``'s (runs on the same tasks, datasets
        with similar qualities, forks and merge requests, shared interests), strongest
        first; teammates and accepted collaborators are left out. Raises NotFoundError."""
        path = f"/api/people/{quote(name, safe='')}/suggested"
        found = self._core.get_json(path, params={"limit": limit})
        return [Suggestion.model_validate(s) for s in found]

    def helpers(
        self, *, task: int | None = None, dataset: int | None = None, limit: int = 10
    ) -> list[Suggestion]:
        """People with the best results on a task (or a dataset's tasks) and on tasks of
        similar datasets, strongest first; you are left out. Give exactly one of ``task``
        and ``dataset``.

        Raises:
            ValueError: neither or both given. NotFoundError: no such task or dataset.
        """
        if (task is None) == (dataset is None):
            raise ValueError("give exactly one of task= and dataset=")
        path = (
            f"/api/tasks/{task}/helpers" if task is not None else f"/api/datasets/{dataset}/helpers"
        )
        found = self._core.get_json(path, params={"limit": limit})
        return [Suggestion.model_validate(s) for s in found]
