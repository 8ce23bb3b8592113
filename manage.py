#!/usr/bin/env python
"""Django's command-line utility for the clinic portal."""

import os
import sys

# Commands that serve users or run jobs refuse to start against a database or Redis that
# does not answer, with one line saying which, rather than failing later mid-request.
SERVICE_COMMANDS = {"runserver", "qcluster", "migrate", "load_demo"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    if len(sys.argv) > 1 and sys.argv[1] in SERVICE_COMMANDS:
        import django

        django.setup()
        from config.preflight import exit_unless_services_answer

        exit_unless_services_answer()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
