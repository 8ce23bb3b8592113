"""Tests of the security of health data: passwords, lockout, MFA, encryption, audit."""
