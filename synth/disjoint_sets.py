"""Disjoint sets over the numbers 0…n-1 (union-find with path halving) (pure)."""

from __future__ import annotations


class DisjointSets:
    def __init__(self, size: int) -> None:
        self._parent = list(range(size))

    def find(self, item: int) -> int:
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        self._parent[self.find(a)] = self.find(b)

    def sets(self) -> list[list[int]]:
        """Every set, its members in order, the sets in the order of their first member."""
        by_root: dict[int, list[int]] = {}
        for item in range(len(self._parent)):
            by_root.setdefault(self.find(item), []).append(item)
        return list(by_root.values())
