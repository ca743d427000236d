"""Security tests (issue #7). Point 3, XSS and injection:

- payloads/: the corpus (308 payloads, sources and licences in payloads/README.md);
- corpus.py: loading it and packing it into fields of a given length;
- checks.py: what "no XSS" means on a page or a mail, checked on html5lib's tree;
- test_xss_*.py: every payload through every text and rich-text field, rendered on the pages
  (public, staff, jury) and in the mails that show it; test_reflected.py: query strings and the
  CSRF error page; test_csv_injection.py: formula prefixes in every CSV export;
  test_emails.py: mails; test_sanitize_property.py: the sanitizer, property-based.

Tests named test_vulnerability_* / test_bug_* document holes this suite found; they fail until
the application is fixed (each docstring says where and how).

These tests fail when a protection is removed. To see it, run them with autoescaping off, with
the Markdown sanitizer replaced by raw markdown-it (html=True), or with `exports.neutralise` as the
identity: e.g. a pytest plugin setting `flask.Flask.select_jinja_autoescape = lambda *a: False`.
"""
