"""Pure-Python scheduling engine for Panchakarma centers (no Django imports)."""

from .jsonio import problem_from_dict, problem_to_dict, solution_from_dict, solution_to_dict
from .model import Problem, Solution
from .solver import solve

__all__ = [
    "Problem",
    "Solution",
    "problem_from_dict",
    "problem_to_dict",
    "solution_from_dict",
    "solution_to_dict",
    "solve",
]
