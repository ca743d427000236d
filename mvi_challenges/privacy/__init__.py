"""Privacy (AVG/GDPR): export of personal data, anonymisation, retention."""
