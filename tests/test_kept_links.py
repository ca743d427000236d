"""Templates' url_for keeps the links it built (core/links.kept_url_for): the same text as Flask's
url_for for every route, under any path prefix, in a list (query arguments) and outside a request."""

from __future__ import annotations

from flask import Flask, render_template_string, url_for

from mvi_challenges.core.links import kept_url_for


def _sample_values(rule) -> dict[str, object]:
    """Whole numbers where the route asks for them (int converters), a slug elsewhere."""
    from werkzeug.routing.converters import NumberConverter

    return {name: 7 if isinstance(rule._converters.get(name), NumberConverter) else "een-slug"
            for name in rule.arguments}


def test_every_route_is_linked_exactly_as_flask_links_it(app: Flask) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 100
    built = 0
    for prefix in ("", "/utrecht"):
        with app.test_request_context("/", base_url=f"http://localhost{prefix}/"):
            for rule in rules:
                values = _sample_values(rule)
                try:
                    expected = url_for(rule.endpoint, **values)
                except ValueError:  # an endpoint with a second rule whose converters differ
                    continue
                built += 1
                assert kept_url_for(rule.endpoint, **values) == expected  # built
                assert kept_url_for(rule.endpoint, **values) == expected  # kept
            # Query arguments, in any order, and a file of the static folder.
            for values in ({"page": 3, "kind": "sbir"}, {"kind": "sbir", "page": 3}):  # in the order given
                assert kept_url_for("calls.call_list", **values) == url_for("calls.call_list", **values)
            assert kept_url_for("static", filename="css/site.css") == f"{prefix}/static/css/site.css"
    assert built > 2 * 0.9 * len(rules)


def test_what_could_vary_is_never_kept(app: Flask) -> None:
    with app.test_request_context("/"):
        assert kept_url_for("calls.call_list", _anchor="results") == "/calls#results"
        assert kept_url_for("calls.call_list", _external=True).startswith("http://")
        assert kept_url_for("calls.call_list", kind=["sbir", "challenge"]) == url_for("calls.call_list",
                                                                                      kind=["sbir", "challenge"])
    with app.test_request_context("/", base_url="http://localhost/elders/"):
        assert kept_url_for("calls.call_list") == "/elders/calls"  # the prefix is part of what is kept
    with app.test_request_context("/"):
        before = len(app.extensions.get("mvi_kept_links", {}))
        for n in range(30):  # long typed text in the links of a list: built every time, never kept
            long_search = "verlichting " + " " * 150 + str(n)
            assert kept_url_for("calls.call_list", q=long_search, page=2) == url_for("calls.call_list", q=long_search,
                                                                                     page=2)
        assert len(app.extensions.get("mvi_kept_links", {})) == before
    kept = app.extensions.get("mvi_kept_links", {})
    assert all(not name.startswith("_") for key in kept for name, *_ in key[2:])


def test_templates_use_it_and_pages_link_as_before(app: Flask) -> None:
    with app.test_request_context("/", base_url="http://localhost/p/"):
        assert app.jinja_env.globals["url_for"] is kept_url_for
        html = render_template_string("{{ url_for('public.home') }} {{ url_for('calls.call_list', page=2) }}")
        assert html == "/p/ /p/calls?page=2"
    app.config["SERVER_NAME"] = "mvi.example"
    try:
        with app.app_context():  # a mail rendered by the worker: no request, Flask's own url_for
            assert render_template_string("{{ url_for('calls.call_list') }}") == url_for("calls.call_list")
    finally:
        app.config["SERVER_NAME"] = None
