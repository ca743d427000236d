"""Home, health check, language switch and the static pages every government site has."""
