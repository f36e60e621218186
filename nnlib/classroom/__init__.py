"""Classroom mode: classes, challenges, predict-then-run answers, kept in one storage layer."""
