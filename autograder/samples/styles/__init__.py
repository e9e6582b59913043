"""Correct implementations in other students' styles, used as sample submissions."""
