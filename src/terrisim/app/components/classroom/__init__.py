"""The participatory mode's pages: the teacher's screen, the learner's screen, the debrief.

The class session itself (seats, clock, decisions, debrief data) is plain Python in
:mod:`terrisim.app.classroom`; here every page listens to it: after each month or seat change
the class tells each page (from a thread of its own), which redraws.  A learner's page keeps its
seat across a reload through the same per-tab token as the other pages
(``session_keeper.vue``).
"""

from __future__ import annotations

from .debrief import Debrief
from .learner import LearnerApp
from .teacher import TeacherApp

__all__ = ["Debrief", "LearnerApp", "TeacherApp"]
