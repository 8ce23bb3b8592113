"""No double-booking on PostgreSQL: exclusion constraints over practitioner, room place and patient time.

The constraints are declared in TherapySession.Meta as PostgresExclusionConstraint,
which emits no DDL on other databases, so the demo's SQLite runs this migration as a
no-op. btree_gist lets one GiST index mix "=" on ids with "&&" on time ranges.
"""

import sessions.models
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("therapy_sessions", "0001_initial"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.AddConstraint(
            model_name='therapysession',
            constraint=sessions.models.PostgresExclusionConstraint(condition=models.Q(('status__in', ('cancelled', 'no_show')), _negated=True), expressions=[('practitioner', '='), (sessions.models.TsTzRange('starts_at', 'ends_at'), '&&'), ('occurrence', '<>')], name='session_no_practitioner_overlap', violation_error_message='The practitioner already has a session at this time.'),
        ),
        migrations.AddConstraint(
            model_name='therapysession',
            constraint=sessions.models.PostgresExclusionConstraint(condition=models.Q(('status__in', ('cancelled', 'no_show')), _negated=True), expressions=[('room', '='), ('room_place', '='), (sessions.models.TsTzRange('starts_at', 'room_released_at'), '&&')], name='session_no_room_place_overlap', violation_error_message='This room place is taken at this time.'),
        ),
        migrations.AddConstraint(
            model_name='therapysession',
            constraint=sessions.models.PostgresExclusionConstraint(condition=models.Q(('status__in', ('cancelled', 'no_show')), _negated=True), expressions=[('patient', '='), (sessions.models.TsTzRange('starts_at', 'patient_released_at'), '&&')], name='session_no_patient_overlap', violation_error_message='The patient already has a session or rest at this time.'),
        ),
    ]
