"""Prometheus metrics at /metrics: django-prometheus's request and database figures plus ours."""
