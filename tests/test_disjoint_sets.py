from __future__ import annotations

from synth.disjoint_sets import DisjointSets


def test_sets_are_joined_transitively_and_listed_by_first_member():
    sets = DisjointSets(6)
    sets.union(4, 1)
    sets.union(5, 4)
    sets.union(3, 2)
    assert sets.find(5) == sets.find(1) != sets.find(0)
    assert sets.sets() == [[0], [1, 4, 5], [2, 3]]
