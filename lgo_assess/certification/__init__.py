"""Certification: DLA's decisions on recommended assessments, the certificates an approval
issues (serial, signed payload, PDF with a QR code), their public verification page and register,
revocation by two approvers and supersession by a corrected certificate."""
