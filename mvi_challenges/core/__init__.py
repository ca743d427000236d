"""The shared building blocks every area uses.

What lives here: the database base and session (`db`), audit events (`audit`), the mail outbox
(`outbox`), `DomainError` and the error pages (`errors`), the one way a view runs a change
(`actions`), Markdown → clean HTML (`sanitize`, the only user of bleach), uploaded files
(`uploads`: type by content; `storage`: where they are kept), CSV exports (`exports`), times
(`timezones`: UTC stored, Europe/Amsterdam shown), numbers and dates for people (`formatting`),
slugs, pagination, form fields (`fields`), absolute links from PUBLIC_URL (`links`), the "ask
first" page (`confirmation`), CSRF (`csrf`), the id of the request being handled (`request_ids`)
and the templates' filters and documented hook (`templating`).

What it may import: the standard library, third-party packages and other `core` modules. Never an
area (`accounts`, `calls`, …), never `infra`, never the wiring at the package root: a building
block that needs to tell others something offers a hook or a signal they connect to.
"""
