"""Local development tools (never packaged for Lambda)."""
