"""Teams computed by rounds (no 回避, whole teams) are the teams the heap gives."""

from __future__ import annotations

import heapq
import random

import pytest

from enforcement.plans import schedule
from enforcement.plans.inputs import PlanOfficer


def heap_teams(count, officers, team_size, seed):
    """The least-loaded officers, ties broken by the seeded keys: the heap, visit by visit."""
    rng = random.Random(f"{seed}:teams")
    loads = [0] * len(officers)
    heap = [(0, rng.random(), i) for i in range(len(officers))]
    heapq.heapify(heap)
    teams = []
    for _ in range(count):
        chosen = [heapq.heappop(heap)[2] for _ in range(team_size)]
        for i in chosen:
            loads[i] += 1
            heapq.heappush(heap, (loads[i], rng.random(), i))
        teams.append(tuple(sorted(officers[i].id for i in chosen)))
    return teams, {o.id: loads[i] for i, o in enumerate(officers)}


@pytest.mark.parametrize(("officers", "team_size"), [(2, 2), (6, 2), (40, 2), (9, 3), (12, 4)])
@pytest.mark.parametrize("seed", [0, 7, 123456])
def test_rounds_give_the_heap_teams(officers, team_size, seed):
    rng = random.Random(seed)
    ids = rng.sample(range(1, 10**6), officers)
    staff = [PlanOfficer(id=i, certificate_no=f"C{k}", excluded_enterprise_ids=frozenset())
             for k, i in enumerate(ids)]
    for count in (0, 1, officers // team_size, 3 * officers + 1, 257):
        enterprise_ids = [rng.randrange(50) for _ in range(count)]
        assert schedule.assign_teams(enterprise_ids, staff, team_size, seed) == heap_teams(
            count, staff, team_size, seed)
