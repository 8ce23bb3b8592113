"""OpenTelemetry tracing and Sentry error reporting, each on only when its address is set.

OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://collector:4318) traces every request (Django
instrumentation) and every django-q2 job, scheduling runs included, over OTLP/HTTP.
SENTRY_DSN reports unhandled errors to Sentry. Both are off by default and their packages
are imported only when on. Health data never leaves in them: Sentry gets no request bodies,
cookies or user details, and spans carry routes and ids, not what a page showed.
"""

from django.conf import settings


def telemetry_start() -> None:
    if settings.OTEL_EXPORTER_OTLP_ENDPOINT:
        _tracing_start()
    if settings.SENTRY_DSN:
        _error_reporting_start()


def _tracing_start() -> None:
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # ready() ran before in this process
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.OTEL_SERVICE_NAME})
    )
    # The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT itself and posts to <endpoint>/v1/traces.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # Adds its middleware to settings.MIDDLEWARE; handlers load middleware after ready().
    DjangoInstrumentor().instrument()
    _trace_jobs(trace.get_tracer("clinic-portal.jobs"))


def _trace_jobs(tracer) -> None:
    """One span per django-q2 job, from the worker's pre-execute signal to its post-execute."""
    from django_q.signals import post_execute_in_worker, pre_execute

    # Job id -> its span; a worker process runs one job at a time.
    open_spans: dict = {}

    def job_started(sender, func, task, **kwargs):
        name = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
        span = tracer.start_span(f"job {name}", attributes={"job.id": str(task.get("id", ""))})
        open_spans[task.get("id")] = span

    def job_finished(sender, func, task, **kwargs):
        span = open_spans.pop(task.get("id"), None)
        if span is not None:
            span.set_attribute("job.success", bool(task.get("success")))
            span.end()

    pre_execute.connect(job_started, dispatch_uid="tracing_job_started", weak=False)
    post_execute_in_worker.connect(job_finished, dispatch_uid="tracing_job_finished", weak=False)


def _error_reporting_start() -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        environment=settings.SENTRY_ENVIRONMENT,
        integrations=[DjangoIntegration()],
        # Patients' data stays here: no user details, cookies or request bodies in reports.
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
    )
