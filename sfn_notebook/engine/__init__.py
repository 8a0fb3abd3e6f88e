"""The local interpreter: compiled states in, AWS-shaped execution history out."""
