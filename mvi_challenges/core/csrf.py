"""The CSRF protection of every form (Flask-WTF), initialised by create_app.

Here rather than in the wiring so an area that needs `csrf.exempt` or `csrf.protect()` (the
language switch) imports a building block, not the package that imports the areas.
"""

from __future__ import annotations

from flask_wtf import CSRFProtect

csrf = CSRFProtect()
